package jdiffusion.sd.clip;

import jdiffusion.tensor.Tensor;

import java.util.List;

/**
 * What a full text-encoder pass yields.
 *
 * @param lastHiddenState conditioning at clip skip 1 as the family defines it {@code [B, L, D]}: the final layer
 *                        norm of the last layer (SD1), of the penultimate OpenCLIP layer (SD2 single files)
 * @param penultimateLn   conditioning at clip skip 2: the final layer norm of the layer before that (A1111 "Clip skip 2")
 * @param pooled          {@code lastHiddenState} at each sequence's first end-of-text token {@code [B, D]}
 * @param textEmbeds      {@code pooled @ text_projection} {@code [B, P]} when the model has a projection (SDXL's
 *                        bigG: Hugging Face {@code text_embeds}), else null
 * @param hiddenStates    the embeddings then every layer's output, before the final norm ({@code layers + 1} tensors)
 */
public record ClipTextOutput(Tensor lastHiddenState, Tensor penultimateLn, Tensor pooled, Tensor textEmbeds, List<Tensor> hiddenStates) {}
