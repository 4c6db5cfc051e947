package jdiffusion.sd.clip;

/**
 * Vectors that take the place of token-embedding rows (textual inversion): rows {@code position ..} of sequence
 * {@code sequence} become {@code values} ({@code k x hidden} floats), before the position embeddings are added.
 */
public record TokenVectors(int sequence, int position, float[] values) {}
