package dev.mmsearch.server.cli;

import dev.mmsearch.server.security.ApiKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mmsearch keys add|list|remove}: API keys for the service's admin endpoints (and for reads when
 * {@code mmsearch.security.protect-reads=true}). The key file holds {@code name:sha256hex} lines only; a new key
 * is printed once and stored nowhere. A running service re-reads the file when it changes.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage API keys (hashed at rest in DATA_DIR/api-keys, or --file).",
        subcommands = {KeysCommand.Add.class, KeysCommand.ListKeys.class, KeysCommand.Remove.class})
public class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the key file is: {@code --file}, else {@code DATA_DIR/api-keys}. */
    static class FileOption {
        @Mixin
        DataDirOption common;

        @Option(names = "--file", paramLabel = "FILE",
                description = "Key file (default: DATA_DIR/api-keys, which `serve` reads unless"
                        + " mmsearch.security.api-keys-file names another).")
        Path file;

        Path resolve() {
            return file != null ? file : common.dataDirectory().root().resolve(ApiKeys.DEFAULT_FILE_NAME);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Make a new random key named NAME, append its SHA-256 to the key file and print the key once.")
    static class Add implements Callable<Integer> {
        @Mixin
        FileOption where;

        @Parameters(paramLabel = "NAME", description = "A name for the key (1-64 of A-Z a-z 0-9 . _ -), e.g. who holds it.")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path file = where.resolve();
            String key = ApiKeys.add(file, name);
            var out = spec.commandLine().getOut();
            out.println(key);
            out.flush();
            spec.commandLine().getErr().println("added key '" + name + "' to " + file.toAbsolutePath()
                    + " (only its hash is stored: keep the key above, it is not shown again)."
                    + " Send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'.");
            spec.commandLine().getErr().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the names of the keys in the key file.")
    static class ListKeys implements Callable<Integer> {
        @Mixin
        FileOption where;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path file = where.resolve();
            if (Files.exists(file)) {
                ApiKeys.load(file).names().forEach(spec.commandLine().getOut()::println);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove the key named NAME from the key file.")
    static class Remove implements Callable<Integer> {
        @Mixin
        FileOption where;

        @Parameters(paramLabel = "NAME", description = "The key's name.")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path file = where.resolve();
            if (!ApiKeys.remove(file, name)) {
                spec.commandLine().getErr().println("mmsearch: no key named '" + name + "' in " + file);
                return RootCommand.EXIT_ERROR;
            }
            spec.commandLine().getOut().println("removed key '" + name + "' from " + file);
            return 0;
        }
    }
}
