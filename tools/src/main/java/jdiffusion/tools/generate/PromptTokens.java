package jdiffusion.tools.generate;

import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.prompt.ChunkedPrompt;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.prompt.PromptChunk;
import jdiffusion.sd.prompt.PromptChunker;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompt's tokens where cross-attention sees them: the WebUI's chunking ({@link PromptChunker}: windows of 75,
 * BREAK, comma back-off, emphasis) with extra-network tags removed, each chunk wrapped as {@code [BOS] 75 [EOS]} and the
 * chunks concatenated, so token {@code i} of chunk {@code c} is key {@code 77·c + i}.
 *
 * @param chunks the number of 77-token windows (the keys are {@code 77·chunks})
 */
public record PromptTokens(List<Token> tokens, int chunks) {
    /** One prompt token: its chunk, index in the chunk (1..75; 0 is BOS), key index, id, text and emphasis weight. */
    public record Token(int chunk, int index, int key, int id, String text, double weight) {}

    public static PromptTokens of(ClipTokenizer tokenizer, String prompt) {
        ChunkedPrompt chunked = new PromptChunker(tokenizer).chunk(ExtraNetworks.parse(prompt).prompt());
        List<Token> out = new ArrayList<>();
        int eos = tokenizer.eosId(), width = PromptChunker.CHUNK_LENGTH + 2;
        for (int c = 0; c < chunked.chunks().size(); c++) {
            PromptChunk chunk = chunked.chunks().get(c);
            for (int i = 1; i < chunk.tokens().length - 1; i++) {
                int id = chunk.tokens()[i];
                if (id == eos) break; // the window's padding
                String text = id == 0 && !chunk.embeddings().isEmpty() ? "<embedding>" : tokenizer.token(id).replace("</w>", "");
                out.add(new Token(c, i, c * width + i, id, text, chunk.multipliers()[i]));
            }
        }
        return new PromptTokens(List.copyOf(out), Math.max(1, chunked.chunks().size()));
    }
}
