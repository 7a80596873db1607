package dev.mmsearch.config;

import static dev.mmsearch.config.Configs.await;
import static dev.mmsearch.config.Configs.invalid;
import static dev.mmsearch.config.Configs.valid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.StageKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Against a real three-server ZooKeeper ensemble running in this JVM (Curator's TestingCluster). */
class ZooKeeperConfigSourceTest {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperConfigSourceTest.class);
    private static final Duration RELOAD_LIMIT = Duration.ofSeconds(2);
    private static TestingCluster cluster;

    @BeforeAll
    static void startEnsemble() throws Exception {
        cluster = new TestingCluster(3);
        cluster.start();
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CuratorFramework client() {
        return client(10_000);
    }

    private static CuratorFramework client(int sessionTimeoutMs) {
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(cluster.getConnectString())
                .sessionTimeoutMs(sessionTimeoutMs).connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 10, 1_000)).build();
        client.start();
        return client;
    }

    @Test
    void followsTheNodeThroughChangesRejectionsAndLossOfServers() throws Exception {
        String path = "/mmsearch/it/experiments";
        // The serving client's session (4 s, ZooKeeper's minimum at the default tick) is shorter than
        // the outage below, so the outage costs it its session: Curator reports LOST and starts anew.
        try (CuratorFramework admin = client(); CuratorFramework serving = client(4_000)) {
            ZooKeeperConfigSource.publish(admin, path, valid("v1", "sparse"));
            try (ZooKeeperConfigSource source = new ZooKeeperConfigSource(serving, path, ConfigValidator.ACCEPT_ALL)) {
                List<String> heard = new CopyOnWriteArrayList<>();
                source.addListener(c -> heard.add(c.version()));
                assertThat(source.currentVersion()).isEqualTo("v1");
                assertThat(source.description()).isEqualTo("zookeeper:" + path);

                ZooKeeperConfigSource.publish(admin, path, valid("v2", "hybrid"));
                Duration took = await(RELOAD_LIMIT, () -> source.currentVersion().equals("v2"), "v2 from ZooKeeper");
                LOG.info("zookeeper change visible after {} ms", took.toMillis());
                assertThat(source.current().scene("qa").layer(StageKind.RECALL).arm("hybrid")).isNotNull();

                // publish() refuses invalid text, so write it raw, as a careless tool would.
                admin.setData().forPath(path, invalid("v3").getBytes(StandardCharsets.UTF_8));
                await(RELOAD_LIMIT, () -> source.rejectedReloads() == 1, "rejection of v3");
                assertThat(source.lastRejection()).get().asString().contains("weight: must be >= 0");
                assertThat(source.currentVersion()).isEqualTo("v2");

                // Lose one of three servers (perhaps the one either client talks to): the quorum lives on.
                InstanceSpec victim = cluster.findConnectionInstance(serving.getZookeeperClient().getZooKeeper());
                assertThat(cluster.killServer(victim)).isTrue();
                assertThat(source.currentVersion()).isEqualTo("v2");
                ZooKeeperConfigSource.publish(admin, path, valid("v4", "after-kill"));
                took = await(Duration.ofSeconds(20), () -> source.currentVersion().equals("v4"), "v4 after a server died");
                LOG.info("change after losing a server visible after {} ms", took.toMillis());

                // Lose the whole ensemble: the last config keeps serving; after it returns, changes flow again.
                for (InstanceSpec spec : cluster.getInstances()) {
                    if (!spec.equals(victim)) {
                        cluster.killServer(spec);
                    }
                }
                java.util.concurrent.atomic.AtomicBoolean lost = new java.util.concurrent.atomic.AtomicBoolean();
                serving.getConnectionStateListenable().addListener((c, state) -> {
                    if (state == org.apache.curator.framework.state.ConnectionState.LOST) {
                        lost.set(true);
                    }
                });
                await(Duration.ofSeconds(15), lost::get, "loss of the serving session");
                assertThat(source.currentVersion()).isEqualTo("v4");
                assertThat(source.current().scene("qa").layer(StageKind.RECALL).arm("after-kill")).isNotNull();
                for (InstanceSpec spec : cluster.getInstances()) {
                    cluster.restartServer(spec);
                }
                long back = System.nanoTime();
                await(Duration.ofSeconds(30), () -> {
                    try {
                        ZooKeeperConfigSource.publish(admin, path, valid("v5", "after-outage"));
                        return true;
                    } catch (MmsearchException e) {
                        return false;
                    }
                }, "publishing v5 once the ensemble is back");
                await(Duration.ofSeconds(30), () -> source.currentVersion().equals("v5"), "v5 after the outage");
                LOG.info("change after a full outage visible {} ms after restarting the servers",
                        Duration.ofNanos(System.nanoTime() - back).toMillis());

                assertThat(heard).containsExactly("v2", "v4", "v5");
                assertThat(source.acceptedReloads()).isEqualTo(3);
                assertThat(source.rejectedReloads()).isEqualTo(1);
            }
        }
    }

    @Test
    void anUnreachableEnsembleIsAStartupErrorAfterTheTimeout() throws Exception {
        int closedPort = new InstanceSpec(null, -1, -1, -1, true, -1).getPort(); // free port, nothing listening
        try (CuratorFramework client = CuratorFrameworkFactory.newClient("127.0.0.1:" + closedPort, 4_000, 1_000,
                new ExponentialBackoffRetry(100, 1))) {
            client.start();
            assertThatThrownBy(() -> new ZooKeeperConfigSource(client, "/mmsearch/experiments", null, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY))
                    .hasMessageContaining("127.0.0.1:" + closedPort).hasMessageContaining("did not answer within 1 s");
        }
    }

    @Test
    void aMissingOrInvalidNodeIsAStartupErrorAndPublishRefusesInvalidText() throws Exception {
        try (CuratorFramework client = client()) {
            assertThatThrownBy(() -> new ZooKeeperConfigSource(client, "/mmsearch/missing/experiments", null))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                    .hasMessageContaining("zookeeper:/mmsearch/missing/experiments does not exist");

            String bad = "/mmsearch/bad/experiments";
            assertThatThrownBy(() -> ZooKeeperConfigSource.publish(client, bad, invalid("v1")))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weight: must be >= 0");
            assertThat(client.checkExists().forPath(bad)).as("nothing written").isNull();
            assertThatThrownBy(() -> ZooKeeperConfigSource.publish(client, bad, valid("v1", "x"), c -> {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "validator says no");
            })).hasMessage("validator says no");
            assertThat(client.checkExists().forPath(bad)).isNull();

            client.create().creatingParentsIfNeeded().forPath(bad, invalid("v1").getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> new ZooKeeperConfigSource(client, bad, null))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("zookeeper:" + bad).hasMessageContaining("weight: must be >= 0");

            assertThatThrownBy(() -> new ZooKeeperConfigSource(client, "/mmsearch/bad/experiments", null))
                    .isInstanceOf(InvalidConfigException.class);
            assertThatThrownBy(() -> new ZooKeeperConfigSource(client, "no-slash", null))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        }
    }
}
