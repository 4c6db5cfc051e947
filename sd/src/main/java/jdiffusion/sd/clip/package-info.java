/**
 * CLIP text front end: {@link jdiffusion.sd.clip.ClipTokenizer} (byte-level BPE with HF {@code CLIPTokenizer} + ftfy
 * semantics, {@link jdiffusion.sd.clip.TextFixer} for the clean-up), {@link jdiffusion.sd.clip.ClipVocab} for
 * token lookups, and the text encoder.
 */
package jdiffusion.sd.clip;
