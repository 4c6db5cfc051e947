package jdiffusion.tools.eval;

import jdiffusion.sd.cli.EvalCommand;
import jdiffusion.tools.Command;

import java.io.PrintStream;
import java.util.List;

/** {@code jsd eval}: one model component on given tensors (see {@link EvalCommand}). */
public final class EvalToolCommand implements Command {
    @Override public String name() { return "eval"; }

    @Override public String summary() { return "run one component (clip, unet, vae-decode, vae-encode) on tensors from a file"; }

    @Override public String help() { return EvalCommand.HELP; }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) { return EvalCommand.run(args, out, err); }
}
