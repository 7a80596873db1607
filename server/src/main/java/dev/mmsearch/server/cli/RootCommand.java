package dev.mmsearch.server.cli;

import dev.mmsearch.core.MmsearchException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mmsearch}: the one command; every feature is a subcommand. */
@Command(name = "mmsearch", mixinStandardHelpOptions = true, version = "mmsearch 0.1.0",
        description = "Multimodal semantic search: index documents with ONNX models, search them, serve the API and UI.",
        subcommands = {DemoCommand.class, ServeCommand.class, IndexCommand.class, SearchCommand.class,
                CollectionsCommand.class, ModelsCommand.class, EvalCommand.class, ExportVectorsCommand.class,
                ExportCommand.class, ImportCommand.class, DeleteCommand.class, ReindexCommand.class, OptimizeCommand.class,
                KeysCommand.class, CommandLine.HelpCommand.class})
public class RootCommand implements Runnable {
    /** Exit code of a command that failed with a user-facing error (bad input, unknown collection, ...). */
    public static final int EXIT_ERROR = 1;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line: user-facing errors print one clear line instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new RootCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof MmsearchException error) {
                MmsearchException me = LockedByServer.explain(error, commandLine);
                commandLine.getErr().println("mmsearch: error [" + me.code().code() + "]: " + me.getMessage());
                return EXIT_ERROR;
            }
            throw ex;
        });
        return cl;
    }
}
