/**
 * AUTOMATIC1111 WebUI's prompt language (v1.10.1), as plain Java with no tensor math.
 *
 * <p>The WebUI turns a prompt into conditioning in this order, and so should callers:
 * <pre>
 *   prompt
 *     └─ {@link jdiffusion.sd.prompt.ExtraNetworks#parse}      cut out &lt;lora:..&gt; / &lt;hypernet:..&gt; tags ({@link jdiffusion.sd.prompt.LoraTag})
 *         └─ {@link jdiffusion.sd.prompt.CompositePrompt#of}   split at AND into weighted sub-prompts (shared across the batch)
 *             └─ {@link jdiffusion.sd.prompt.PromptSchedules#of}   per sub-prompt: [from:to:when], [a|b] → (end step, text) list
 *                 └─ {@link jdiffusion.sd.prompt.PromptChunker#chunk}  per text: emphasis ({@link jdiffusion.sd.prompt.PromptAttention}),
 *                                                  BPE, 75-token windows with weights, BREAK, comma back-off,
 *                                                  textual-inversion slots ({@link jdiffusion.sd.prompt.EmbeddingLookup})
 * </pre>
 * Each window is encoded as 77 tokens; a text's conditioning is the windows' outputs concatenated
 * ({@code [77 * windows, dim]}). Texts encoded together in one batch are padded to the same window count with
 * {@link jdiffusion.sd.prompt.PromptChunker#emptyChunk()}; the conds of AND parts and batch items that are stacked for
 * one UNet call are brought to one length by repeating their last vector ({@code stack_conds}). By default the WebUI
 * runs cond and uncond as separate UNet calls when their lengths differ.
 */
package jdiffusion.sd.prompt;
