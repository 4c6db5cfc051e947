package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class WebUiImg2ImgTest {

    @Test
    void strengthSelectsTheTailOfTheSchedule() {
        WebUiImg2Img p = WebUiImg2Img.of(20, 0.75, false);
        assertEquals(20, p.steps());
        assertEquals(15, p.tEnc());
        float[] sigmas = new float[21];
        for (int i = 0; i < 21; i++) sigmas[i] = 20 - i;
        float[] tail = p.sigmaSchedule(sigmas);
        assertEquals(17, tail.length, "t_enc + 1 steps (the WebUI runs one more than t_enc) plus the final 0");
        assertEquals(16f, tail[0]);
        assertEquals(0f, tail[tail.length - 1]);
    }

    @Test
    void fixStepsStretchesTheSchedule() {
        WebUiImg2Img p = WebUiImg2Img.of(20, 0.5, true);
        assertEquals(40, p.steps());
        assertEquals(19, p.tEnc());
        assertThrows(SamplingException.class, () -> WebUiImg2Img.of(20, 1.5, false));
    }

    @Test
    void guidanceMixesDenoisedPredictionsLikeTheWebUi() {
        float[] out = GuidedDenoiser.combine(new float[]{1f, 2f}, new float[]{0.5f, 3f}, 7f);
        assertArrayEquals(new float[]{0.5f + 0.5f * 7f, 3f + -1f * 7f}, out);
    }

    @Test
    void inpaintBlendKeepsTheOriginalWhereTheMaskSaysKeep() {
        Denoiser d = new MaskedDenoiser((x, s) -> new float[]{9f, 9f, 9f, 9f}, new float[]{1f, 2f, 3f, 4f}, new float[]{1f, 0f});
        assertArrayEquals(new float[]{1f, 9f, 3f, 9f}, d.denoise(new float[4], 1f));
        assertThrows(SamplingException.class, () -> new MaskedDenoiser(d, new float[4], new float[3]));
    }
}
