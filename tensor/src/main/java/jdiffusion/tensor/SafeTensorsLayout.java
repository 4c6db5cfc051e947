package jdiffusion.tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Whole-file checks of a safetensors header: tensors must tile the data section without overlap or gaps. */
final class SafeTensorsLayout {
    private SafeTensorsLayout() {}

    static void check(Path path, Collection<SafeTensors.Entry> entries, long dataSize) {
        List<SafeTensors.Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(SafeTensors.Entry::begin).thenComparingLong(SafeTensors.Entry::end));
        long expected = 0;
        for (SafeTensors.Entry e : sorted) {
            if (e.begin() < expected)
                throw new SafeTensorsException(path + ": tensor \"" + e.name() + "\" overlaps the tensor before it (starts at " + e.begin() + ", previous ends at " + expected + ")");
            if (e.begin() > expected)
                throw new SafeTensorsException(path + ": gap of " + (e.begin() - expected) + " unused bytes before tensor \"" + e.name() + "\"");
            expected = e.end();
        }
        if (expected != dataSize)
            throw new SafeTensorsException(path + ": " + (dataSize - expected) + " bytes after the last tensor's data: trailing garbage or a wrong header");
    }
}
