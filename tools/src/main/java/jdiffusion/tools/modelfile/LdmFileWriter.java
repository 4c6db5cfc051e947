package jdiffusion.tools.modelfile;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.DiffusionSchedule;
import jdiffusion.sd.checkpoint.LdmYamlExport;
import jdiffusion.sd.checkpoint.SingleFileExport;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.randommodel.DdpmSchedule;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes an opened checkpoint as an A1111/ldm single {@code .safetensors} file: the weights under ldm names
 * ({@link SingleFileExport}), the DDPM schedule buffers WebUI checkpoints carry (from the model's schedule, as ldm
 * computes them), and {@code <name>.yaml} beside it, the ldm config A1111 and our loader read for what the weights
 * cannot say (v-prediction, head counts). Both files appear whole or not at all.
 */
final class LdmFileWriter {
    private LdmFileWriter() {}

    static void write(Checkpoint ckpt, Path target, DType dtype, int latentSize, boolean force) {
        String file = target.getFileName().toString();
        Path yaml = target.resolveSibling(file.substring(0, file.length() - ".safetensors".length()) + ".yaml");
        StagedOutput.refuseExisting(target, force);
        StagedOutput.refuseExisting(yaml, force);
        String yamlText = LdmYamlExport.yaml(ckpt.config(), SingleFileExport.textEncoderConfig(ckpt.config()), latentSize);
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").overwrite(force);
        for (SingleFileExport.Entry e : SingleFileExport.entries(ckpt)) {
            DType d = dtype != null && e.dtype().isFloating() ? dtype : e.dtype();
            List<Tensor> pieces = e.pieces();
            w.add(e.name(), d, e.shape(), sink -> {
                for (Tensor p : pieces) DTypeSink.convert(p, d).writeTo(sink);
            });
        }
        DiffusionSchedule s = ckpt.config().schedule();
        for (String name : DdpmSchedule.NAMES) {
            double[] v = DdpmSchedule.buffer(name, s.timesteps(), s.betaStart(), s.betaEnd());
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            Tensor t = Tensor.of(f, f.length);
            DType d = dtype != null ? dtype : DType.F32;
            w.add(name, d, t.shape(), DTypeSink.convert(t, d));
        }
        // the yaml is staged first so that nothing can fail after the weights are in place but a rename
        Path staged = yaml.toAbsolutePath().resolveSibling("." + yaml.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.writeString(staged, yamlText);
            w.write(target);
            try {
                Files.move(staged, yaml, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staged, yaml, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CommandException(yaml + ": cannot write: " + e.getMessage(), e);
        } finally {
            try { Files.deleteIfExists(staged); } catch (IOException ignored) { /* the original error matters more */ }
        }
    }
}
