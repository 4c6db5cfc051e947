package jdiffusion.sd.prompt;

/**
 * Where textual-inversion embeddings hook into chunking (the WebUI's {@code embedding_db.find_embedding_at_position}):
 * given a prompt fragment's token ids and a position, says whether an embedding's trigger word starts there.
 */
@FunctionalInterface
public interface EmbeddingLookup {
    /** An embedding whose trigger tokens begin at {@code tokens[position]}, or null. */
    Match find(int[] tokens, int position);

    /**
     * @param name            the embedding's name, for the infotext and for finding its vectors
     * @param vectors         how many token slots its vectors fill in the chunk
     * @param lengthInTokens  how many prompt tokens its trigger word spans (these are replaced)
     */
    record Match(String name, int vectors, int lengthInTokens) {}

    /** No embeddings loaded. */
    EmbeddingLookup NONE = (tokens, position) -> null;
}
