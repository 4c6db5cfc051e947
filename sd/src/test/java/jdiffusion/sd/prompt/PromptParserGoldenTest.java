package jdiffusion.sd.prompt;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every case of {@code golden/prompt_parser/prompt_parser.json} (WebUI v1.10.1 prompt_parser.py), exactly. */
class PromptParserGoldenTest {
    private static Map<String, Object> golden;

    @BeforeAll
    static void load() throws IOException {
        golden = Json.parseObject(Files.readString(Golden.file("prompt_parser/prompt_parser.json")));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(String key) {
        return (List<Map<String, Object>>) golden.get(key);
    }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void emphasisWeightsEqualWebUiFloat64Products() {
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : cases("parse_prompt_attention")) {
            String prompt = (String) c.get("prompt");
            List<?> want = (List<?>) c.get("result");
            List<WeightedText> got = PromptAttention.parse(prompt);
            boolean ok = got.size() == want.size();
            for (int i = 0; ok && i < got.size(); i++) {
                List<?> w = (List<?>) want.get(i);
                ok = got.get(i).text().equals(w.get(0)) && Math.abs(got.get(i).weight() - num(w.get(1))) <= 1e-12;
            }
            if (!ok) failures.add(Json.write(prompt) + ": got " + got + " want " + want);
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void promptEditingSchedulesMatchWebUi() {
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : cases("schedules")) {
            String prompt = (String) c.get("prompt");
            int steps = (int) num(c.get("steps"));
            Integer hires = c.get("hires_steps") == null ? null : (int) num(c.get("hires_steps"));
            List<Object> got = new ArrayList<>();
            for (ScheduledText s : PromptSchedules.of(prompt, steps, hires, false)) got.add(List.of((long) s.endStep(), s.text()));
            if (!Json.write(got).equals(Json.write(c.get("result"))))
                failures.add(Json.write(prompt) + " steps " + steps + " hires " + hires + ": got " + Json.write(got) + " want " + Json.write(c.get("result")));
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void andSplittingMatchesWebUi() {
        for (Map<String, Object> c : cases("multicond")) {
            String prompt = (String) c.get("prompt");
            CompositePrompt.Batch b = CompositePrompt.of(List.of(prompt));
            assertEquals(c.get("subprompts_flat"), b.texts(), prompt);
            List<?> want = (List<?>) c.get("weights");
            assertEquals(want.size(), b.parts().getFirst().size(), prompt);
            for (int i = 0; i < want.size(); i++) {
                List<?> w = (List<?>) want.get(i);
                assertEquals(num(w.get(0)), b.parts().getFirst().get(i).index(), prompt);
                assertEquals(num(w.get(1)), b.parts().getFirst().get(i).weight(), 1e-12, prompt);
            }
        }
    }
}
