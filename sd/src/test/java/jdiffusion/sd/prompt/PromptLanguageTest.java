package jdiffusion.sd.prompt;

import jdiffusion.tensor.json.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the WebUI prompt language beyond the golden file, worked out from prompt_parser.py. */
class PromptLanguageTest {

    @Test
    void promptWithStrayPipeIsUsedUnchangedForAllSteps() {
        assertEquals(List.of(new ScheduledText(20, "a | b [c:d:5]")), PromptSchedules.of("a | b [c:d:5]", 20));
        assertEquals(List.of(new ScheduledText(20, "trailing \\")), PromptSchedules.of("trailing \\", 20));
    }

    @Test
    void escapedBracketsAreNotEdits() {
        assertEquals(List.of(new ScheduledText(10, "\\[a:b:3\\]")), PromptSchedules.of("\\[a:b:3\\]", 10));
    }

    @Test
    void emphasisInsideAnEditIsKeptVerbatim() {
        assertEquals(List.of(new ScheduledText(4, "(a:1.2) x"), new ScheduledText(10, "[b] x")),
                PromptSchedules.of("[(a:1.2):[b]:4] x", 10));
    }

    @Test
    void exponentNumbersAreStepsUnlessTheyHaveADecimalPoint() {
        assertEquals(List.of(new ScheduledText(3, "a"), new ScheduledText(10, "b")), PromptSchedules.of("[a:b:3e0]", 10));
        assertEquals(List.of(new ScheduledText(5, "a"), new ScheduledText(10, "b")), PromptSchedules.of("[a:b:0.5e0]", 10));
    }

    @Test
    void negativeWhenMeansAfterFromTheStart() {
        assertEquals(List.of(new ScheduledText(10, "b")), PromptSchedules.of("[a:b:-2]", 10));
    }

    @Test
    void oldSchedulingTreatsWhenBelowOneAsAFractionOnly() {
        assertEquals(List.of(new ScheduledText(1, "a"), new ScheduledText(10, "b")), PromptSchedules.of("[a:b:1.0]", 10, null, true));
        assertEquals(List.of(new ScheduledText(5, "a"), new ScheduledText(10, "b")), PromptSchedules.of("[a:b:0.5]", 10, 4, true));
    }

    @Test
    void hiresStepsCountFromTheEndOfTheFirstPass() {
        assertEquals(List.of(new ScheduledText(5, "a  c"), new ScheduledText(10, "a b c")), PromptSchedules.of("a [b:1.5] c", 10, 10, false));
    }

    @Test
    void alternationWithEmptyFirstOption() {
        assertEquals(List.of(new ScheduledText(1, "male"), new ScheduledText(2, "female"), new ScheduledText(3, "male")),
                PromptSchedules.of("[|fe]male", 3));
    }

    @Test
    void breakInsideAnExplicitWeightIsScaledLikeTheWebUi() {
        List<WeightedText> p = PromptAttention.parse("(a BREAK b:1.2)");
        assertEquals(-1.2, p.get(1).weight());
        assertEquals(false, p.get(1).isBreak());
        assertEquals(true, PromptAttention.parse("a BREAK b").get(1).isBreak());
    }

    @Test
    void breakAndAndAreWholeWordsByPythonsWordCharacters() {
        assertEquals(List.of(new WeightedText("\u00b2BREAK x \u00e9 BREAK\u00e9 _BREAK a", 1.0), new WeightedText("BREAK", -1),
                new WeightedText("b", 1.0)), PromptAttention.parse("\u00b2BREAK x \u00e9 BREAK\u00e9 _BREAK a BREAK b"));
        assertEquals(List.of("x\u00b2AND y", " z"), CompositePrompt.of(List.of("x\u00b2AND y AND z")).texts());
    }

    @Test
    void weightThatIsNotANumberIsASyntaxError() {
        assertThrows(PromptSyntaxException.class, () -> PromptAttention.parse("(a:1.2.3)"));
        assertThrows(PromptSyntaxException.class, () -> PromptAttention.parse("(a:.)"));
    }

    @Test
    void loneBackslashDisappears() {
        assertEquals(List.of(new WeightedText("ab", 1.0)), PromptAttention.parse("a\\b"));
    }

    @Test
    void unicodeDigitsCountInWeightsAsInPython() {
        assertEquals(1.5, PromptAttention.parse("(a:١.٥)").getFirst().weight());
    }

    @Test
    void andSplittingSharesEqualSubPromptsAcrossTheBatch() {
        CompositePrompt.Batch b = CompositePrompt.of(List.of("cat AND dog:2", "dog:0.5 AND bird"));
        assertEquals(List.of("cat", " dog", "dog", " bird"), b.texts());
        assertEquals(List.of(new CompositePrompt.Part(0, 1.0), new CompositePrompt.Part(1, 2.0)), b.parts().get(0));
        assertEquals(List.of(new CompositePrompt.Part(2, 0.5), new CompositePrompt.Part(3, 1.0)), b.parts().get(1));
        CompositePrompt.Batch same = CompositePrompt.of(List.of("x AND x"));
        assertEquals(List.of("x", " x"), same.texts());
        assertEquals(List.of("a\nb"), CompositePrompt.of(List.of("a\nb :3\n")).texts());
        assertEquals(3.0, CompositePrompt.of(List.of("a\nb :3\n")).parts().getFirst().getFirst().weight());
    }

    /** 250 random prompts run through the WebUI's own parser (see the resource's meta for how they were made). */
    @Test
    @SuppressWarnings("unchecked")
    void randomPromptsScheduleAsTheWebUiParserDoes() throws IOException {
        Map<String, Object> json;
        try (InputStream in = getClass().getResourceAsStream("webui_random_schedules.json")) {
            json = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) json.get("cases")) {
            String prompt = (String) c.get("prompt");
            int steps = ((Number) c.get("steps")).intValue();
            Integer hires = c.get("hires_steps") == null ? null : ((Number) c.get("hires_steps")).intValue();
            List<Object> got = new ArrayList<>();
            for (ScheduledText s : PromptSchedules.of(prompt, steps, hires, false)) got.add(List.of((long) s.endStep(), s.text()));
            if (!Json.write(got).equals(Json.write(c.get("result")))) failures.add(Json.write(prompt) + ": got " + Json.write(got));
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
