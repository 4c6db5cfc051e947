package jdiffusion.sd.clip;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Repairs UTF-8 text that was decoded with a single-byte code page ("cafÃ©" for "café", "doesnâ€™t" for "doesn’t"),
 * in the spirit of ftfy's {@code fix_encoding}: encode the text back with the code pages ftfy tries, in its order,
 * and keep the first result that is valid UTF-8; repeat while that changes something (text mangled twice).
 *
 * <p>ftfy first asks a statistical "badness" heuristic whether the text looks like mojibake at all; this class
 * instead requires that the whole text re-decode as strict UTF-8, which ordinary text in any script essentially
 * never does (every non-ASCII character would have to form a valid multi-byte sequence with its neighbours). Not
 * covered: text where only part is mangled, and mangling that also turned bytes into spaces or '?'.
 */
final class MojibakeRepair {
    private MojibakeRepair() {}

    /**
     * ftfy's CHARMAP_ENCODINGS in its order, "sloppy" code pages decoding their unassigned bytes as Latin-1. ftfy's
     * last two, MacRoman and cp437, are left out: they put common symbols (… ° ™ €) on lead bytes, so without
     * ftfy's badness gate they would "repair" ordinary text such as "…°".
     */
    private static final List<Map<Character, Byte>> CODE_PAGES = List.of(
            table("ISO-8859-1", false),
            table("windows-1252", true),
            table("windows-1251", true),
            table("windows-1250", true),
            table("windows-1253", true),
            table("windows-1254", true),
            table("ISO-8859-2", false));

    private static Map<Character, Byte> table(String charset, boolean sloppy) {
        Map<Character, Byte> m = new HashMap<>(512);
        Charset cs = Charset.forName(charset);
        for (int b = 0; b < 256; b++) {
            String s = new String(new byte[]{(byte) b}, cs);
            char c = s.length() == 1 ? s.charAt(0) : '\ufffd';
            if (c == '\ufffd') {
                if (!sloppy) continue;
                c = (char) b;
            }
            m.putIfAbsent(c, (byte) b);
        }
        // ftfy reserves 0x1A (SUB) as its marker for lost bytes, so text holding it is never re-encoded
        m.remove('\u001a');
        return m;
    }

    static String repair(String text) {
        while (true) {
            String fixed = repairOnce(text);
            if (fixed.equals(text)) return text;
            text = fixed;
        }
    }

    private static String repairOnce(String text) {
        if (text.chars().allMatch(c -> c < 0x80)) return text;
        for (Map<Character, Byte> page : CODE_PAGES) {
            byte[] bytes = encode(text, page);
            if (bytes == null) continue;
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException notUtf8) {
                // ftfy moves on to the next code page the text fits
            }
        }
        return text;
    }

    private static byte[] encode(String text, Map<Character, Byte> page) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            Byte b = page.get(c);
            if (b == null) return null;
            out[i] = b;
        }
        return out;
    }
}
