package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code jsd convert IN OUT}: a {@code .ckpt}/{@code .pt}/{@code .safetensors} file to {@code .safetensors}, optionally changing dtype. */
public final class ConvertCommand implements Command {
    private static Options options() {
        return new Options()
                .positionals("FILE", "IN OUT", 2, 2)
                .value("--dtype", "DTYPE", "f16, bf16 or f32 (default: keep)")
                .flag("--force", "replace OUT if it exists");
    }

    @Override public String name() { return "convert"; }

    @Override public String summary() { return "convert a .ckpt/.pt (read safely, never executed) or .safetensors to .safetensors"; }

    @Override public String help() {
        return "usage: jsd convert " + options().synopsis() + "\n\n"
                + "Reads the input with a restricted unpickler that refuses anything but tensors and plain containers,\n"
                + "and writes every tensor (the state_dict's, when there is one) to a .safetensors file.\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        Path in = a.positionalPath(0, "IN"), target = a.positionalPath(1, "OUT");
        DType dtype = ModelFileOptions.dtype(a);
        try (TensorFile f = CheckpointFiles.open(in)) {
            SafeTensorsWriter w = new SafeTensorsWriter().overwrite(a.flag("--force"));
            for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
                DType d = DTypeSink.outputDType(e.getValue(), dtype);
                w.add(e.getKey(), d, e.getValue().shape(), DTypeSink.convert(e.getValue(), d));
            }
            w.write(target);
            err.println("convert: wrote " + target + " (" + f.tensors().size() + " tensors)");
        }
        return 0;
    }
}
