package jdiffusion.tools;

/** Entry point of the {@code jsd} command line. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("jsd: Stable Diffusion in pure Java. Usage: jsd <command> [options]");
    }
}
