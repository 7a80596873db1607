package dev.mmsearch.server.cli;

import picocli.CommandLine;

/** The executable's entry point: the {@code mmsearch} command line. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int exit = RootCommand.commandLine().execute(args);
        // serve/demo keep running in Spring's non-daemon threads and return -1 here.
        if (exit >= 0) {
            System.exit(exit);
        }
    }
}
