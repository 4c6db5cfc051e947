package jdiffusion.sd.extra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wildcard file that is not UTF-8 is the library's own one-line error naming the file (a fuzz-suite find: it was an UncheckedIOException). */
class WildcardEncodingTest {
    @Test
    void aFileThatIsNotUtf8IsAClearError(@TempDir Path dir) throws Exception {
        Path file = Files.createDirectories(dir.resolve("wildcards")).resolve("colour.txt");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 'r', 'e', 'd', '\n'});
        ExtraNetworkException e = assertThrows(ExtraNetworkException.class,
                () -> new Wildcards(ModelsFolder.of(dir)).expand("a __colour__ car", 1, w -> {}));
        assertTrue(e.getMessage().contains("colour.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
    }
}
