package dev.mmsearch.server.cli;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.server.ServerFile;
import dev.mmsearch.server.remote.RemoteServer;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Turns "collection is locked by another mmsearch process" into which server holds it and how to reach it: a server
 * announces itself in {@code DATA_DIR/server.json} ({@link ServerFile}), so a command that finds the lock taken names
 * that server's URL and the {@code --server} to run it with.
 */
final class LockedByServer {
    private static final Pattern COLLECTION = Pattern.compile("collection '([^']+)'");

    private LockedByServer() {
    }

    /** {@code e} explained when it is a lock error and a server announced itself in the command's data dir. */
    static MmsearchException explain(MmsearchException e, CommandLine commandLine) {
        String message = e.getMessage();
        if (e.code() != ErrorCode.NOT_READY || message == null
                || !message.contains("is locked by another mmsearch process")) {
            return e;
        }
        Optional<DataDirOption> options = commandLine.getCommandSpec().mixins().values().stream()
                .map(CommandSpec::userObject).filter(DataDirOption.class::isInstance).map(DataDirOption.class::cast)
                .findFirst();
        Optional<ServerFile> file = options.flatMap(o -> ServerFile.read(o.dataDirectory()));
        if (file.isEmpty()) {
            return e;
        }
        ServerFile server = file.get();
        if (!server.alive()) {
            return new MmsearchException(e.code(), message + " (" + ServerFile.path(options.get().dataDirectory())
                    + " names the mmsearch server at " + server.url() + ", pid " + server.pid()
                    + ", which no longer runs)", e);
        }
        Matcher name = COLLECTION.matcher(message);
        String what = name.find() ? "collection '" + name.group(1) + "'" : "the data directory";
        boolean takesServer = commandLine.getCommandSpec().findOption("--server") != null;
        return new MmsearchException(e.code(), what + " is open in the mmsearch server at " + server.url() + " (pid "
                + server.pid() + ", started " + server.started() + "); " + (takesServer
                ? "run again with --server " + server.url() + " (and --api-key or " + RemoteServer.API_KEY_ENV + ")"
                : "stop that server first, or make the change through its API at " + server.url()), e);
    }
}
