package jdiffusion.sd.prompt;

import java.util.List;

/**
 * A prompt cut into CLIP windows; the conditioning is the windows' encodings concatenated, {@code [77 * n, dim]}.
 *
 * @param tokenCount the WebUI's token count: 75 per full chunk plus the length of the last one (the "n/75" counter)
 */
public record ChunkedPrompt(List<PromptChunk> chunks, int tokenCount) {}
