package dev.mmsearch.server.cli;

import dev.mmsearch.inference.hub.DownloadProgress;
import java.text.DecimalFormat;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A terminal progress bar for model downloads on stderr: MB done / total, MB/s and ETA. One download at a time. */
final class ConsoleDownloadProgress implements DownloadProgress {
    private ProgressBar bar;

    @Override
    public void start(String task, long totalBytes) {
        finish();
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(totalBytes)
                .setUnit(" MB", 1L << 20)
                .showSpeed(new DecimalFormat("0.0"))
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(500)
                .build();
    }

    @Override
    public void advance(long bytes) {
        if (bar != null && bytes > 0) {
            bar.stepBy(bytes);
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
