package dev.mmsearch.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.MmsearchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    @TempDir
    Path dir;

    @Test
    void addedKeyIsStoredOnlyAsItsHashAndMatchesByName() throws Exception {
        Path file = dir.resolve("keys");
        String alice = ApiKeys.add(file, "alice");
        String bob = ApiKeys.add(file, "bob");
        assertThat(alice).startsWith("mms_").hasSize(4 + 43).isNotEqualTo(bob);
        String text = Files.readString(file);
        assertThat(text).doesNotContain(alice).doesNotContain(bob)
                .contains("alice:" + ApiKeys.hashHex(alice)).contains("bob:" + ApiKeys.hashHex(bob));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        ApiKeys keys = ApiKeys.load(file);
        assertThat(keys.names()).containsExactly("alice", "bob");
        assertThat(keys.match(alice)).contains("alice");
        assertThat(keys.match(bob)).contains("bob");
        assertThat(keys.match(alice + "x")).isEmpty();
        assertThat(keys.match(alice.substring(0, alice.length() - 1))).isEmpty();
        assertThat(keys.match("")).isEmpty();
        assertThat(keys.match(null)).isEmpty();
        assertThat(keys.match(ApiKeys.hashHex(alice))).as("the stored hash is not a key").isEmpty();
    }

    @Test
    void hashIsSha256Hex() {
        // sha256("abc"), FIPS 180-2 test vector
        assertThat(ApiKeys.hashHex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void malformedLinesAndDuplicateNamesAreRefusedNamingTheLine() {
        String hash = ApiKeys.hashHex("k");
        assertThat(ApiKeys.parse("# comment\n\nops:" + hash + "\n", "f").names()).containsExactly("ops");
        assertThatThrownBy(() -> ApiKeys.parse("ops:" + hash + "\nops:" + hash, "f"))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("line 2").hasMessageContaining("repeats");
        assertThatThrownBy(() -> ApiKeys.parse("ops " + hash, "f")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> ApiKeys.parse("ops:abc", "f")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> ApiKeys.parse("a b:" + hash, "f")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> ApiKeys.add(dir.resolve("k2"), "bad name")).hasMessageContaining("invalid key name");
    }

    @Test
    void duplicateAddIsRefusedAndRemoveDropsOnlyThatKey() {
        Path file = dir.resolve("keys");
        String a = ApiKeys.add(file, "a");
        String b = ApiKeys.add(file, "b");
        assertThatThrownBy(() -> ApiKeys.add(file, "a")).hasMessageContaining("already has a key named 'a'");
        assertThat(ApiKeys.remove(file, "a")).isTrue();
        assertThat(ApiKeys.remove(file, "a")).isFalse();
        ApiKeys keys = ApiKeys.load(file);
        assertThat(keys.match(a)).isEmpty();
        assertThat(keys.match(b)).contains("b");
    }

    @Test
    void storeReloadsWhenTheFileChangesAndKeepsLastGoodKeysOnBadEdits() throws Exception {
        Path file = dir.resolve("keys");
        ApiKeyStore store = new ApiKeyStore(file);
        assertThat(store.keys().isEmpty()).isTrue();
        String first = ApiKeys.add(file, "first");
        assertThat(store.match(first)).contains("first");
        String second = ApiKeys.add(file, "second");
        assertThat(store.match(second)).contains("second");
        Files.writeString(file, "garbage line that is long enough to change the size\n");
        assertThat(store.match(first)).as("a broken edit keeps the last good keys").contains("first");
        Files.delete(file);
        assertThat(store.match(first)).as("a deleted file means no keys").isEmpty();
    }

    @Test
    void brokenFileFailsTheStartup() throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "nope\n");
        assertThatThrownBy(() -> new ApiKeyStore(file)).isInstanceOf(MmsearchException.class).hasMessageContaining("line 1");
    }
}
