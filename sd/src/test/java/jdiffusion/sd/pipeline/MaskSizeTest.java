package jdiffusion.sd.pipeline;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An inpainting mask of another size than the init image is used as the WebUI uses it: blurred at its own size, then
 * resized with Pillow's Lanczos (resize_image on an "L" image) to the processing size, and for "only masked" the
 * overlay resized to the image, instead of being refused.
 */
class MaskSizeTest {
    static RgbImage image(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 37);
        return new RgbImage(rgb, w, h);
    }

    /** White rectangle over {@code [x0,x1) x [y0,y1)} of a {@code w x h} black mask. */
    static RgbImage mask(int w, int h, int x0, int y0, int x1, int y1) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) for (int c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = (byte) 255;
        return new RgbImage(rgb, w, h);
    }

    static GenerationParams params(boolean onlyMasked) {
        GenerationParams.Builder b = new GenerationParams.Builder().size(64, 48);
        b.inpaintFullRes = onlyMasked;
        return b.build();
    }

    @Test
    void aSmallerMaskIsBlurredAtItsSizeAndResizedWithLanczosToTheProcessingSize() {
        RgbImage mask = mask(32, 24, 8, 6, 20, 18);
        InitImage init = InitImage.prepare(image(80, 60), mask, params(false));
        byte[] blurred = MaskBlur.blur(InitImage.binaryOrLuma(mask), 32, 24, 4);
        byte[] expected = PilResample.resize(blurred, 32, 24, 1, 64, 48, PilResample.Filter.LANCZOS);
        assertArrayEquals(expected, init.mask());
        assertEquals(64, init.image().width());
        assertEquals(48, init.image().height());
    }

    @Test
    void aMaskOfTheImagesSizeIsUnchangedByTheResizeStep() {
        RgbImage mask = mask(64, 48, 8, 6, 40, 30);
        InitImage init = InitImage.prepare(image(64, 48), mask, params(false));
        assertArrayEquals(MaskBlur.blur(InitImage.binaryOrLuma(mask), 64, 48, 4), init.mask());
    }

    @Test
    void onlyMaskedCropsTheImageWithTheMasksBoxAndResizesTheOverlayToTheImage() {
        RgbImage mask = mask(40, 30, 10, 8, 20, 16);
        RgbImage image = image(80, 60);
        InitImage init = InitImage.prepare(image, mask, params(true));
        byte[] blurred = MaskBlur.blur(InitImage.binaryOrLuma(mask), 40, 30, 4);
        assertArrayEquals(PilResample.resize(blurred, 40, 30, 1, 80, 60, PilResample.Filter.LANCZOS), init.overlayMask());
        assertEquals(image, init.original());
        RgbImage done = init.finish(new RgbImage(new byte[64 * 48 * 3], 64, 48));
        assertEquals(80, done.width());
        assertEquals(60, done.height());
    }
}
