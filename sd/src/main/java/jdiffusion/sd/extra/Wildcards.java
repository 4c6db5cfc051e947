package jdiffusion.sd.extra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code __name__} wildcards as the WebUI's "Simple wildcards" extension (AUTOMATIC1111/stable-diffusion-webui-wildcards)
 * expands them, chosen so that a seed gives the WebUI's line:
 * <ul>
 *   <li>the prompt is split at every {@code __}; each piece without a space that names {@code wildcards/<piece>.txt}
 *       becomes one of that file's lines ({@code splitlines()}, empty lines included), and the pieces are joined
 *       again without the underscores (a piece naming no file stays as it is, and a warning names the missing file);</li>
 *   <li>image {@code i} draws with Python's {@code random.Random(seed_i)}, its own seed, so each image of a batch may
 *       get other lines and a re-run with the same seed gets the same ones;</li>
 *   <li>only the positive prompt is expanded, as the extension does; the infotext keeps the original as
 *       {@code Wildcard prompt};</li>
 *   <li>with no wildcards folder (no extension in the WebUI) prompts are left as they are.</li>
 * </ul>
 * Dynamic Prompts' syntax ({@code {a|b}}, nested wildcards) is not part of it.
 */
public final class Wildcards {
    private final ModelsFolder folder;

    public Wildcards(ModelsFolder folder) { this.folder = folder; }

    /** {@code prompt} with its wildcards drawn for an image of seed {@code seed}; missing files are reported to {@code warn}. */
    public String expand(String prompt, long seed, Consumer<String> warn) {
        // without a wildcards folder the extension is not there: "__" is plain text, as in a WebUI without it
        if (!prompt.contains("__") || !installed()) return prompt;
        PythonRandom random = new PythonRandom(seed);
        StringBuilder out = new StringBuilder();
        for (String piece : prompt.split("__", -1)) out.append(replace(piece, random, warn));
        return out.toString();
    }

    /** Whether the models folder has a wildcards folder (the extension's or {@code wildcards/} at the root). */
    public boolean installed() {
        if (folder == null) return false;
        for (String f : ModelsFolder.Kind.WILDCARD.folders()) if (Files.isDirectory(folder.root().resolve(f))) return true;
        return false;
    }

    private String replace(String piece, PythonRandom random, Consumer<String> warn) {
        if (piece.isEmpty() || piece.contains(" ")) return piece;
        Optional<Path> file = folder.find(ModelsFolder.Kind.WILDCARD, piece);
        if (file.isEmpty()) {
            warn.accept("no file " + piece + ".txt in " + folder.root().resolve("wildcards") + " for the __" + piece + "__ wildcard");
            return piece;
        }
        List<String> lines = lines(file.get());
        if (lines.isEmpty()) throw new ExtraNetworkException(file.get() + ": the wildcard file is empty; put one option per line");
        return random.choice(lines);
    }

    /** Python's {@code str.splitlines()} for the usual line ends. */
    static List<String> lines(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ExtraNetworkException(file + ": not UTF-8 text; save the wildcard file as UTF-8");
        } catch (IOException e) {
            throw new ExtraNetworkException(file + ": cannot read the wildcard file: " + e.getMessage());
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < text.length()) lines.add(text.substring(start));
        return lines;
    }
}
