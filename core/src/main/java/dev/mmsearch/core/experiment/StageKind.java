package dev.mmsearch.core.experiment;

import java.util.Locale;

/** The stages of the online pipeline, in the order they run. Each experiment layer drives one. */
public enum StageKind {
    QP, RECALL, RANK, SUMMARY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
