package jdiffusion.sd.controlnet;

import java.util.Locale;

/** The extension's control modes: how a unit's weight spreads over its outputs and whether unconditional rows get it. */
public enum ControlMode {
    /** Every output × weight, on every row. */
    BALANCED("Balanced"),
    /** Soft injection: output i × weight·0.825^(n−1−i), on every row. */
    PROMPT_MORE_IMPORTANT("My prompt is more important"),
    /** Soft injection, and only on conditional rows (CFG injection). */
    CONTROLNET_MORE_IMPORTANT("ControlNet is more important");

    private final String label;

    ControlMode(String label) { this.label = label; }

    /** The extension's UI/API label. */
    public String label() { return label; }

    public boolean softInjection() { return this != BALANCED; }

    public boolean cfgInjection() { return this == CONTROLNET_MORE_IMPORTANT; }

    /** The label, the API's index (0, 1, 2), or a short name ({@code balanced}, {@code prompt}, {@code control}). */
    public static ControlMode parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ');
        for (ControlMode m : values()) if (m.label.toLowerCase(Locale.ROOT).equals(k)) return m;
        return switch (k) {
            case "0", "balanced" -> BALANCED;
            case "1", "prompt", "my prompt" -> PROMPT_MORE_IMPORTANT;
            case "2", "control", "controlnet" -> CONTROLNET_MORE_IMPORTANT;
            default -> throw new IllegalArgumentException("unknown control mode \"" + s + "\": use Balanced, \"My prompt is more important\" or \"ControlNet is more important\" (or balanced/prompt/control)");
        };
    }
}
