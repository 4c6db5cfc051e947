package jdiffusion.sd.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class OutputFilesTest {
    @TempDir Path dir;

    @Test
    void numberingContinuesTheHighestNumberPresent() throws Exception {
        assertEquals(0, OutputFiles.nextNumber(dir.resolve("absent")));
        Files.writeString(dir.resolve("00007-123.png"), "");
        Files.writeString(dir.resolve("00002-9.png"), "");
        Files.writeString(dir.resolve("notes.txt"), "");
        assertEquals(8, OutputFiles.nextNumber(dir));
        assertEquals("00008-42.png", OutputFiles.numberedName(8, 42));
    }

    @Test
    void neverOverwritesAndLeavesNoPartialFiles() throws Exception {
        Path p = dir.resolve("a.png");
        OutputFiles.writeNew(p, new byte[]{1});
        assertThrows(FileAlreadyExistsException.class, () -> OutputFiles.writeNew(p, new byte[]{2}));
        assertArrayEquals(new byte[]{1}, Files.readAllBytes(p));
        try (var s = Files.list(dir)) { assertEquals(1, s.count()); }
    }

    @Test
    void webUiConversionTruncatesInsteadOfRounding() {
        // 0.999 maps to 254.87 -> 254, not 255; out-of-range values clamp
        float[] chw = {0.998f, -2f, 3f};
        byte[] rgb = ImageConversion.toRgbBytes(chw, 0, 1, 1);
        assertEquals(254, rgb[0] & 0xff);
        assertEquals(0, rgb[1] & 0xff);
        assertEquals(255, rgb[2] & 0xff);
    }
}
