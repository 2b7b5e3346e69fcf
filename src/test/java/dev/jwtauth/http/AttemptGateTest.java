package dev.jwtauth.http;

import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("AttemptGate: at most LIMIT attempts of a key in flight, the rest wait their turn in order")
class AttemptGateTest {

  @Test
  @DisplayName("Up to the limit enter at once; the next waits until one leaves")
  void limitsInFlight() {
    AttemptGate gate = new AttemptGate();
    Future<Boolean> a = gate.enter("k", 2);
    Future<Boolean> b = gate.enter("k", 2);
    Future<Boolean> c = gate.enter("k", 2);
    assertThat(a.succeeded() && !a.result()).as("first enters at once").isTrue();
    assertThat(b.succeeded() && !b.result()).as("second enters at once").isTrue();
    assertThat(c.isComplete()).as("third waits").isFalse();
    // other keys are not held up
    assertThat(gate.enter("other", 1).succeeded()).isTrue();

    gate.leave("k", 2);
    assertThat(c.succeeded() && c.result()).as("third entered after waiting").isTrue();
  }

  @Test
  @DisplayName("A lower limit on leaving (failures counted meanwhile) lets fewer in; waiting ones keep their order")
  void lowerLimitOnLeave() {
    AttemptGate gate = new AttemptGate();
    List<Future<Boolean>> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(gate.enter("k", 3));
    }
    assertThat(all.stream().filter(Future::isComplete).count()).isEqualTo(3);
    gate.leave("k", 2); // 2 in flight, limit 2: nobody enters
    assertThat(all.get(3).isComplete()).isFalse();
    gate.leave("k", 1); // 1 in flight, limit 1: nobody enters
    assertThat(all.get(3).isComplete()).isFalse();
    gate.leave("k", 1); // 0 in flight: one enters, the first that waited
    assertThat(all.get(3).isComplete()).isTrue();
    assertThat(all.get(4).isComplete()).isFalse();
    gate.leave("k", 5); // a success raises the limit: both others enter
    assertThat(all.get(4).isComplete()).isTrue();
    assertThat(all.get(5).isComplete()).isTrue();
  }

  @Test
  @DisplayName("A key is forgotten once nothing is in flight or waiting; a limit below 1 still lets one in")
  void forgetsIdleKeys() {
    AttemptGate gate = new AttemptGate();
    assertThat(gate.enter("k", 0).succeeded()).isTrue();
    Future<Boolean> second = gate.enter("k", 0);
    assertThat(second.isComplete()).isFalse();
    gate.leave("k", 0);
    assertThat(second.succeeded()).isTrue();
    gate.leave("k", 0);
    assertThat(gate.size()).isZero();
  }

  @Test
  @DisplayName("a key nothing holds lets its first attempt in alone, whatever limit it brings, until it sets the limit from a fresh read")
  void firstAloneUntilLimitSet() {
    AttemptGate gate = new AttemptGate();
    // three attempts that read "no failures yet" (limit 3) before the gate held anything
    Future<AttemptGate.Entry> first = gate.enterFirstAlone("k", 3);
    Future<AttemptGate.Entry> second = gate.enterFirstAlone("k", 3);
    Future<AttemptGate.Entry> third = gate.enterFirstAlone("k", 3);
    assertThat(first.result()).isEqualTo(AttemptGate.Entry.FIRST);
    assertThat(second.isComplete()).as("waits for the first one's fresh read").isFalse();
    assertThat(third.isComplete()).isFalse();
    // the fresh read found two failures already recorded: one more may be checked, the first one's own
    gate.limit("k", 1);
    assertThat(second.isComplete()).as("nobody else may be in flight").isFalse();
    gate.leave("k", 1);
    assertThat(second.result()).isEqualTo(AttemptGate.Entry.AFTER_WAIT);
    assertThat(third.isComplete()).isFalse();
    gate.leave("k", 2);
    assertThat(third.result()).isEqualTo(AttemptGate.Entry.AFTER_WAIT);
    // with the gate held, a newcomer enters at once up to the limit
    assertThat(gate.enterFirstAlone("k", 5).result()).isEqualTo(AttemptGate.Entry.AT_ONCE);
    gate.leave("k", 2);
    gate.leave("k", 2);
    assertThat(gate.size()).isZero();
    // a fresh read that allows three lets two waiting ones in at once
    Future<AttemptGate.Entry> a = gate.enterFirstAlone("j", 3);
    Future<AttemptGate.Entry> b = gate.enterFirstAlone("j", 3);
    Future<AttemptGate.Entry> c = gate.enterFirstAlone("j", 3);
    Future<AttemptGate.Entry> d = gate.enterFirstAlone("j", 3);
    assertThat(a.result()).isEqualTo(AttemptGate.Entry.FIRST);
    gate.limit("j", 3);
    assertThat(b.isComplete() && c.isComplete()).isTrue();
    assertThat(d.isComplete()).isFalse();
  }
}
