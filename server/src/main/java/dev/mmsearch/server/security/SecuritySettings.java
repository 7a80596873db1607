package dev.mmsearch.server.security;

import java.nio.file.Path;

/**
 * The {@code mmsearch.security.*} settings.
 *
 * @param apiKeysFile        the key file ({@code mmsearch.security.api-keys-file}; default {@code DATA_DIR/api-keys})
 * @param apiKeysFileExplicit whether the file was named in the configuration (then it must exist at startup)
 * @param protectReads       whether reads (search, collections, images, experiments, metrics) need a key too
 * @param openAdmin          whether admin endpoints are open when no key is configured (trusted tests only)
 * @param ratePerSecond      sustained requests per second per client; 0 = no rate limiting
 * @param rateBurst          requests a client may send at once
 * @param rateMaxClients     most clients whose buckets are kept in memory
 * @param maxJsonBytes       largest non-multipart request body
 * @param maxJsonDepth       deepest JSON nesting accepted
 */
public record SecuritySettings(Path apiKeysFile, boolean apiKeysFileExplicit, boolean protectReads, boolean openAdmin,
                               double ratePerSecond, int rateBurst, int rateMaxClients, long maxJsonBytes,
                               int maxJsonDepth) {
}
