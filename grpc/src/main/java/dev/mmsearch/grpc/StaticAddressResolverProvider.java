package dev.mmsearch.grpc;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves {@code mmsearch-static:///host1:port1,host2:port2} to those addresses, one address group
 * each, so that one channel with the {@code round_robin} policy spreads calls over several inference
 * nodes and skips the ones that are down. gRPC's own {@code dns:///} target names a single host, and
 * there is no built-in resolver for a fixed list, hence this small one.
 */
final class StaticAddressResolverProvider extends NameResolverProvider {

    static final String SCHEME = "mmsearch-static";
    private static volatile boolean registered;

    /** Registers the provider with the default registry once per JVM. */
    static synchronized void register() {
        if (!registered) {
            NameResolverRegistry.getDefaultRegistry().register(new StaticAddressResolverProvider());
            registered = true;
        }
    }

    /** The channel target for these {@code host:port} addresses. */
    static String target(List<String> addresses) {
        return SCHEME + ":///" + String.join(",", addresses);
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!SCHEME.equals(targetUri.getScheme())) {
            return null;
        }
        String path = targetUri.getPath() == null ? "" : targetUri.getPath();
        List<String> addresses = List.of(path.replaceFirst("^/", "").split(","));
        return new NameResolver() {
            private Listener2 listener;

            @Override
            public String getServiceAuthority() {
                return "mmsearch-inference";
            }

            @Override
            public void start(Listener2 listener) {
                this.listener = listener;
                resolve();
            }

            @Override
            public void refresh() {
                resolve();
            }

            private void resolve() {
                List<EquivalentAddressGroup> groups = new ArrayList<>();
                for (String address : addresses) {
                    int colon = address.lastIndexOf(':');
                    String host = address.substring(0, colon).replaceAll("^\\[|]$", "");
                    int port = Integer.parseInt(address.substring(colon + 1));
                    // Resolved now, and again on refresh() (gRPC calls it after connection failures).
                    InetSocketAddress socket = new InetSocketAddress(host, port);
                    if (!socket.isUnresolved()) {
                        groups.add(new EquivalentAddressGroup(socket));
                    }
                }
                if (groups.isEmpty()) {
                    listener.onError(Status.UNAVAILABLE.withDescription("none of the inference node host names "
                            + addresses + " resolves"));
                    return;
                }
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }
}
