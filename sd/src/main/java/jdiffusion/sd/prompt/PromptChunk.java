package jdiffusion.sd.prompt;

import java.util.Arrays;
import java.util.List;

/**
 * One CLIP window of a prompt: {@code [BOS] + 75 tokens + [EOS]} (77 ids, EOS-padded as the WebUI builds it), the
 * emphasis multiplier of each position, and the embeddings whose vectors replace token-embedding rows.
 *
 * @param tokens      77 token ids (placeholder id 0 where an embedding's vectors go)
 * @param multipliers 77 emphasis weights (1.0 for BOS, EOS and padding)
 * @param embeddings  embeddings placed in this chunk
 */
public record PromptChunk(int[] tokens, double[] multipliers, List<Placement> embeddings) {

    /**
     * An embedding's vectors go into rows {@code index .. index + vectors - 1} of this chunk's token embeddings
     * ({@code index} counts BOS, so it is the WebUI's {@code PromptChunkFix.offset + 1}); the WebUI cuts the vectors
     * so they never overwrite the final position.
     */
    public record Placement(int index, EmbeddingLookup.Match embedding) {}

    /**
     * The ids with everything after the first EOS set to {@code padId}, as the WebUI does for models whose pad token
     * differs from EOS (SD2's open_clip pads with 0); for SD1 ({@code padId} = EOS) this changes nothing.
     */
    public int[] tokensPaddedWith(int padId, int eosId) {
        int[] t = tokens.clone();
        for (int i = 0; i < t.length; i++) {
            if (t[i] == eosId) {
                Arrays.fill(t, i + 1, t.length, padId);
                break;
            }
        }
        return t;
    }
}
