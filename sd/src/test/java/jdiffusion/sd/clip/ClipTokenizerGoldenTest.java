package jdiffusion.sd.clip;

import jdiffusion.tensor.json.Json;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipTokenizerGoldenTest {

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(String file) throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(Golden.file("tokenizer/" + file)));
        return (List<Map<String, Object>>) json.get("cases");
    }

    private static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = (int) (long) (Long) l.get(i);
        return a;
    }

    private static String show(int[] a) { return java.util.Arrays.toString(a); }

    @Test
    void sd1TokenizerMatchesHuggingFaceOnEveryGoldenPrompt() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd1"));
        assertEquals(49407, t.padId());
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : cases("clip_sd1.json")) {
            String prompt = (String) c.get("prompt");
            int[] ids = t.encodePadded(prompt);
            int[] unpadded = ints(c.get("ids_unpadded"));
            int[] bpe = t.encode(prompt);
            int[] full = new int[bpe.length + 2];
            full[0] = t.bosId();
            System.arraycopy(bpe, 0, full, 1, bpe.length);
            full[full.length - 1] = t.eosId();
            List<String> tokens = new ArrayList<>();
            tokens.add(ClipTokenizer.START_OF_TEXT);
            tokens.addAll(t.tokenize(prompt));
            tokens.add(ClipTokenizer.END_OF_TEXT);
            if (!show(ids).equals(show(ints(c.get("ids")))) || !show(full).equals(show(unpadded)) || !tokens.equals(c.get("tokens")))
                failures.add(Json.write(prompt) + "\n   got " + tokens + "\n  want " + c.get("tokens"));
        }
        assertTrue(failures.isEmpty(), failures.size() + " prompts differ:\n" + String.join("\n", failures));
    }

    @Test
    void sd2TokenizerPadsWithExclamationIdZero() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("clip-tokenizer-sd2"));
        assertEquals(0, t.padId());
        for (Map<String, Object> c : cases("clip_sd2_pad0.json")) {
            String prompt = (String) c.get("prompt");
            assertEquals(show(ints(c.get("ids"))), show(t.encodePadded(prompt)), prompt);
            assertEquals(show(ints(c.get("ids"))), show(t.encodePadded(prompt, 77, 0)), prompt);
        }
    }

    @Test
    void diffusersModelFolderLoadsItsTokenizerSubfolder() {
        ClipTokenizer t = ClipTokenizer.load(Golden.model("tiny-sd15"));
        assertEquals(Golden.model("tiny-sd15/tokenizer"), t.folder());
        assertEquals(49407, t.padId());
        assertEquals(show(new int[]{320, 1125, 539, 550, 18376, 6765, 320, 4558}), show(t.encode("a photo of an astronaut riding a horse")));
    }
}
