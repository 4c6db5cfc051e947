package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import java.nio.file.Path;

/** The fuzz suite's way into {@link LdmYamlConfig} (package-private): a user's .yaml beside a checkpoint. */
public final class LdmYamlFuzzTarget {
    private LdmYamlFuzzTarget() {}

    public static void read(Path yaml, TensorFile weights) { LdmYamlConfig.read(yaml, weights); }
}
