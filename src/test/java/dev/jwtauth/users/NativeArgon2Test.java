package dev.jwtauth.users;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The pooled native working memory: same bytes as BouncyCastle under concurrency, and a bounded pool. */
class NativeArgon2Test {
  @BeforeAll
  static void nativeHere() {
    assumeTrue(Argon2Engine.select("auto").name().equals("argon2-native"), "the native library loads here");
  }

  @Test
  @DisplayName("six hashes at once on a pool that keeps two blocks: every result is BouncyCastle's, and two blocks stay")
  void concurrentHashesShareABoundedPool() throws Exception {
    NativeArgon2 argon2 = new NativeArgon2(2);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        byte[] password = ("password-" + i).getBytes(StandardCharsets.UTF_8);
        byte[] salt = ("salt-of-user-" + i + "-xx").getBytes(StandardCharsets.UTF_8);
        Callable<Boolean> task = () -> java.util.Arrays.equals(argon2.hash(password, salt, 2, 4_096, 1, 32),
            Argon2Engine.bouncyCastle(password, salt, 4_096, 2, 1, 32));
        results.add(pool.submit(task));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(argon2.idleBlocks()).isBetween(1, 2);
  }

  @Test
  @DisplayName("a hash needing more memory than the pooled block gets a bigger one; empty password, long output and two lanes work")
  void growingParameters() {
    NativeArgon2 argon2 = new NativeArgon2(1);
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    byte[] password = "pw".getBytes(StandardCharsets.US_ASCII);
    assertThat(argon2.hash(password, salt, 1, 1_024, 1, 32)).isEqualTo(Argon2Engine.bouncyCastle(password, salt, 1_024, 1, 1, 32));
    assertThat(argon2.hash(password, salt, 2, 8_192, 1, 32)).isEqualTo(Argon2Engine.bouncyCastle(password, salt, 8_192, 2, 1, 32));
    assertThat(argon2.hash(new byte[0], salt, 1, 1_024, 1, 64)).isEqualTo(Argon2Engine.bouncyCastle(new byte[0], salt, 1_024, 1, 1, 64));
    // two lanes (ARGON2_PARALLELISM=2) hashed on two of the library's threads: the memory still comes from the pool
    assertThat(argon2.hash(password, salt, 2, 8_192, 2, 32)).isEqualTo(Argon2Engine.bouncyCastle(password, salt, 8_192, 2, 2, 32));
    assertThat(argon2.idleBlocks()).isEqualTo(1);
  }

  @Test
  @DisplayName("with and without huge pages advised, the same bytes as BouncyCastle at the default 19 MiB; pooled blocks are reused")
  void hugeAndSmallPages() {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    byte[] password = "correct horse".getBytes(StandardCharsets.UTF_8);
    byte[] expected = Argon2Engine.bouncyCastle(password, salt, 19_456, 2, 1, 32);
    WorkingMemory.LibC libc = com.sun.jna.Native.load(com.sun.jna.Platform.C_LIBRARY_NAME, WorkingMemory.LibC.class);
    for (WorkingMemory.LibC hugePages : java.util.Arrays.asList(libc, null)) {
      NativeArgon2 argon2 = new NativeArgon2(1, hugePages);
      assertThat(argon2.hugePages()).isEqualTo(hugePages != null);
      assertThat(argon2.hash(password, salt, 2, 19_456, 1, 32)).isEqualTo(expected);
      assertThat(argon2.hash(password, salt, 2, 19_456, 1, 32)).isEqualTo(expected); // the pooled block again
      assertThat(argon2.idleBlocks()).isEqualTo(1);
      // a smaller hash takes the pooled block as it is
      assertThat(argon2.hash(password, salt, 1, 1_024, 1, 32)).isEqualTo(Argon2Engine.bouncyCastle(password, salt, 1_024, 1, 1, 32));
      assertThat(argon2.hash(password, salt, 2, 19_456, 1, 32)).isEqualTo(expected);
    }
    WorkingMemory small = WorkingMemory.allocate(1 << 20, libc);
    WorkingMemory big = WorkingMemory.allocate(5L << 20, libc);
    try {
      assertThat(small.mapped()).isFalse();
      assertThat(big.mapped()).isTrue();
      assertThat(com.sun.jna.Pointer.nativeValue(big.pointer()) % (2L << 20)).isZero();
      big.pointer().setByte(big.size() - 1, (byte) 7); // the whole block is writable
      assertThat(big.pointer().getByte(big.size() - 1)).isEqualTo((byte) 7);
    } finally {
      small.free();
      big.free();
    }
  }

  @Test
  @DisplayName("blocks idle for the release time are unmapped; the next hash maps a new one and gives the same bytes")
  void idleBlocksAreReleased() throws Exception {
    NativeArgon2 argon2 = new NativeArgon2(2, WorkingMemory.hugePages(), 1_000);
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    byte[] password = "pw".getBytes(StandardCharsets.US_ASCII);
    byte[] expected = Argon2Engine.bouncyCastle(password, salt, 4_096, 2, 1, 32);
    assertThat(argon2.hash(password, salt, 2, 4_096, 1, 32)).isEqualTo(expected);
    assertThat(argon2.idleBlocks()).isEqualTo(1);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (argon2.idleBlocks() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(argon2.idleBlocks()).as("released after 1 s idle").isZero();
    // used again and again more often than the release time: it stays
    for (int i = 0; i < 5; i++) {
      assertThat(argon2.hash(password, salt, 2, 4_096, 1, 32)).isEqualTo(expected);
      Thread.sleep(100);
      assertThat(argon2.idleBlocks()).isEqualTo(1);
    }
  }
}
