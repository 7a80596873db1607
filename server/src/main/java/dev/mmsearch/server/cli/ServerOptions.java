package dev.mmsearch.server.cli;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.server.remote.RemoteServer;
import picocli.CommandLine.Option;

/** {@code --server} and {@code --api-key}: write through a running server's API instead of the data directory. */
public class ServerOptions {
    @Option(names = "--server", paramLabel = "URL",
            description = "Write through the API of the mmsearch server at URL (http://host:port) instead of opening"
                    + " the data directory, e.g. while that server has it open; the server runs the model. Needs an"
                    + " admin API key (--api-key or $" + RemoteServer.API_KEY_ENV + ").")
    String server;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Admin API key for --server (default: $" + RemoteServer.API_KEY_ENV + "); `mmsearch keys"
                    + " add NAME` on the server's data directory creates one.")
    String apiKey;

    /** Whether the command writes through a server. */
    public boolean remote() {
        if (server == null && apiKey != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--api-key is for --server; give the server's URL"
                    + " with --server http://host:port, or leave --api-key out to write the data directory");
        }
        return server != null;
    }

    /** The server named by --server, with the key from --api-key or $MMSEARCH_API_KEY (none when neither is set). */
    public RemoteServer connect() {
        String key = apiKey != null ? apiKey : System.getenv(RemoteServer.API_KEY_ENV);
        return new RemoteServer(server, key, RemoteServer.Retries.DEFAULT);
    }
}
