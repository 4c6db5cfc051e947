package jdiffusion.tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Whole-file checks of a safetensors header: the tensors must tile the data section exactly, without overlap,
 * gaps or trailing bytes (as the reference Rust implementation demands), so every byte has one meaning.
 */
final class SafeTensorsLayout {
    private SafeTensorsLayout() {}

    static void check(Path path, Collection<SafeTensors.Entry> entries, long dataSize) {
        List<SafeTensors.Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(SafeTensors.Entry::begin).thenComparingLong(SafeTensors.Entry::end));
        long expected = 0;
        String previous = null;
        for (SafeTensors.Entry e : sorted) {
            if (e.begin() < expected)
                throw new SafeTensorsException(path + ": tensor " + SafeTensorsHeader.quote(e.name()) + " [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor " + SafeTensorsHeader.quote(previous) + " which ends at " + expected);
            if (e.begin() > expected)
                throw new SafeTensorsException(path + ": gap of " + (e.begin() - expected) + " unused bytes [" + expected + ", "
                        + e.begin() + ") before tensor " + SafeTensorsHeader.quote(e.name()) + ": corrupt header");
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataSize)
            throw new SafeTensorsException(path + ": " + (dataSize - expected) + " bytes after the end of the last tensor"
                    + (previous == null ? "" : " (" + SafeTensorsHeader.quote(previous) + ")") + ": trailing garbage or a wrong header");
    }
}
