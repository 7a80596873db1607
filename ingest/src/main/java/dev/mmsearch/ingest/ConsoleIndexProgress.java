package dev.mmsearch.ingest;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;

/**
 * A terminal progress bar (me.tongfei.progressbar): count, rate in docs/s and ETA, on stderr
 * by default. Not thread-safe; one run at a time.
 */
public final class ConsoleIndexProgress implements IndexProgress {
    private final PrintStream out;
    private ProgressBar bar;

    /** A bar on stderr (an interactive one when stderr is a terminal). */
    public ConsoleIndexProgress() {
        this(null);
    }

    /** A bar written to {@code out} as plain lines; for tests and logs. */
    public ConsoleIndexProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void start(String task, long total) {
        finish();
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" docs", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(500);
        if (out != null) {
            builder.setConsumer(new ConsoleProgressBarConsumer(out));
        }
        bar = builder.build();
    }

    @Override
    public void advance(long n) {
        if (bar != null && n > 0) {
            bar.stepBy(n);
        }
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
