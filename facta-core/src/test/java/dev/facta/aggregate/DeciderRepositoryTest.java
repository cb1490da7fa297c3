package dev.facta.aggregate;

import dev.facta.aggregate.snapshot.InMemorySnapshotStore;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.facta.aggregate.Account.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeciderRepositoryTest {
    private final InMemoryEventStore store = new InMemoryEventStore();
    private final DeciderRepository<Command, Event, State> accounts =
            DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account").build();

    @Test
    void a_command_loads_decides_and_appends_to_the_aggregates_stream() {
        Handled<Event, State> opened = accounts.handle("1", new Open("ana"));
        assertThat(opened.events()).containsExactly(new Opened("ana"));
        assertThat(opened.version()).isZero();
        accounts.handle("1", new Deposit(50));
        Handled<Event, State> last = accounts.handle("1", new Withdraw(20));

        assertThat(last.state()).isEqualTo(new State(true, "ana", 30, 2));
        assertThat(last.version()).isEqualTo(2);
        assertThat(accounts.load("1").state()).isEqualTo(last.state());
        assertThat(store.readStream(StreamId.of("account-1"))).extracting(RecordedEvent::type)
                .containsExactly("Opened", "Deposited", "Withdrawn");
    }

    @Test
    void a_refused_command_writes_nothing_and_says_why() {
        accounts.handle("2", new Open("bo"));
        assertThatThrownBy(() -> accounts.handle("2", new Withdraw(1))).isInstanceOf(DomainRuleViolation.class)
                .hasMessage("insufficient funds");
        assertThatThrownBy(() -> accounts.handle("3", new Deposit(5))).hasMessage("account is not open");
        assertThat(store.headPosition()).isEqualTo(1);
        assertThat(accounts.load("3").isNew()).isTrue();
    }

    /** The store, counting the stream reads made through it. */
    private static dev.facta.store.EventStore counting(dev.facta.store.EventStore store, AtomicInteger reads) {
        return (dev.facta.store.EventStore) java.lang.reflect.Proxy.newProxyInstance(DeciderRepositoryTest.class.getClassLoader(),
                new Class<?>[] {dev.facta.store.EventStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readStream")) reads.incrementAndGet();
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void a_cached_repository_decides_from_memory_and_create_reads_nothing() {
        AtomicInteger reads = new AtomicInteger();
        var cached = DeciderRepository.builder(counting(store, reads), DECIDER, SERIALIZER, Event.class, "account").cache(2).build();
        cached.create("c1", new Open("ana"));
        cached.handle("c1", new Deposit(50));
        Handled<Event, State> h = cached.handle("c1", new Withdraw(20));
        assertThat(h.state()).isEqualTo(new State(true, "ana", 30, 2));
        assertThat(h.version()).isEqualTo(2);
        assertThat(reads.get()).as("nothing read").isZero();
        assertThat(accounts.load("c1").state()).isEqualTo(h.state());
        assertThatThrownBy(() -> cached.create("c1", new Open("ana"))).isInstanceOf(WrongExpectedVersionException.class);

        // bounded: the least recently used aggregate is read again
        cached.create("c2", new Open("bo"));
        cached.create("c3", new Open("cy"));
        int before = reads.get();
        cached.handle("c3", new Deposit(1));
        assertThat(reads.get()).isEqualTo(before);
        cached.handle("c1", new Deposit(1));
        assertThat(reads.get()).as("c1 was evicted").isGreaterThan(before);
        assertThat(cached.load("c1").state().balance()).isEqualTo(31);
    }

    @Test
    void a_cached_state_that_another_writer_made_old_never_decides_wrong() {
        var cached = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account").cache(100).build();
        cached.handle("o1", new Open("eve"));
        cached.handle("o1", new Deposit(50));
        accounts.handle("o1", new Withdraw(50)); // another process
        // the cache says 50: the append expecting the cached version fails, the stored state refuses
        assertThatThrownBy(() -> cached.handle("o1", new Withdraw(10))).isInstanceOf(DomainRuleViolation.class)
                .hasMessage("insufficient funds");
        accounts.handle("o1", new Deposit(100));
        // now the cache is behind with balance 0: refused on the cached state, accepted on the stored one
        Handled<Event, State> h = cached.handle("o1", new Withdraw(30));
        assertThat(h.events()).containsExactly(new Withdrawn(30));
        assertThat(h.state().balance()).isEqualTo(70);
        assertThat(h.version()).isEqualTo(4);
        assertThat(accounts.load("o1").state()).isEqualTo(h.state());
        accounts.handle("o1", new Deposit(5));
        assertThat(cached.handle("o1", new Deposit(1)).state().balance()).isEqualTo(76);
        assertThat(store.readStream(StreamId.of("account-o1"))).hasSize(7);
    }

    @Test
    void create_only_and_update_only_refuse_the_wrong_kind_of_aggregate() {
        accounts.create("4", new Open("cy"));
        assertThatThrownBy(() -> accounts.create("4", new Open("cy"))).isInstanceOf(WrongExpectedVersionException.class);
        assertThatThrownBy(() -> accounts.update("5", new Open("dee"))).isInstanceOf(StreamNotFoundException.class);
        assertThat(accounts.update("4", new Deposit(1)).version()).isEqualTo(1);
    }

    @Test
    void concurrent_commands_on_one_aggregate_all_commit_through_retries() throws Exception {
        DeciderRepository<Command, Event, State> patient = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                .retry(new RetryPolicy(200, Duration.ofMillis(1), Duration.ofMillis(5))).build();
        patient.handle("6", new Open("eve"));
        AtomicInteger retried = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        Handled<Event, State> h = patient.handle("6", new Deposit(1));
                        if (h.attempts() > 1) retried.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        Loaded<State> account = patient.load("6");
        assertThat(account.state().balance()).isEqualTo(200);
        assertThat(account.version()).isEqualTo(200);
    }

    @Test
    void a_conflict_that_outlasts_the_retry_budget_ends_in_wrong_expected_version() {
        AtomicInteger decisions = new AtomicInteger();
        // a decider whose every decision is overtaken by another writer before it can be appended
        Decider<Command, Event, State> raced = Decider.of(DECIDER::initialState, (command, state) -> {
            decisions.incrementAndGet();
            store.append(StreamId.of("account-7"), ExpectedVersion.any(), SERIALIZER.toEventData(new Deposited(1), null));
            return DECIDER.decide(command, state);
        }, DECIDER::evolve);
        accounts.handle("7", new Open("fay"));
        DeciderRepository<Command, Event, State> repo = DeciderRepository.builder(store, raced, SERIALIZER, Event.class, "account")
                .retry(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(2))).build();

        assertThatThrownBy(() -> repo.handle("7", new Deposit(5))).isInstanceOf(WrongExpectedVersionException.class);
        assertThat(decisions.get()).isEqualTo(4);
        assertThat(repo.load("7").state().balance()).isEqualTo(4); // only the other writer's deposits
    }

    @Test
    void snapshots_are_taken_by_policy_pruned_and_used_for_loading() {
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        AtomicInteger decoded = new AtomicInteger();
        StateCodec<State> counting = new StateCodec<>() {
            public byte[] encode(State s) {
                return CODEC.encode(s);
            }

            public State decode(byte[] b) {
                decoded.incrementAndGet();
                return CODEC.decode(b);
            }
        };
        var repo = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                .snapshots(snapshots, counting, SnapshotPolicy.everyEvents(10), 1).keepSnapshots(2).build();
        repo.handle("8", new Open("gus"));
        for (int i = 0; i < 34; i++) repo.handle("8", new Deposit(1));

        StreamId stream = StreamId.of("account-8");
        assertThat(snapshots.latest(stream)).get().extracting(s -> s.version()).isEqualTo(29L);
        assertThat(snapshots.latest(stream, 18)).isEmpty(); // only the last two (19 and 29) are kept
        decoded.set(0);
        assertThat(repo.load("8").state()).isEqualTo(repo.loadWithoutSnapshots("8").state());
        assertThat(decoded.get()).isEqualTo(1);

        // a new shape of state ignores old snapshots and replays everything
        var v2 = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                .snapshots(snapshots, counting, SnapshotPolicy.never(), 2).build();
        decoded.set(0);
        assertThat(v2.load("8").state().balance()).isEqualTo(34);
        assertThat(decoded.get()).isZero();
        assertThat(v2.snapshot("8")).get().extracting(s -> s.schemaVersion()).isEqualTo(2);
    }

    @Test
    void an_aggregate_can_be_loaded_as_of_a_version_or_an_instant() throws Exception {
        accounts.handle("9", new Open("hal"));
        accounts.handle("9", new Deposit(10));
        Thread.sleep(5);
        Instant between = Instant.now();
        Thread.sleep(5);
        accounts.handle("9", new Deposit(20));

        assertThat(accounts.loadAtVersion("9", 1).state().balance()).isEqualTo(10);
        assertThat(accounts.loadAtVersion("9", 1).version()).isEqualTo(1);
        assertThat(accounts.loadAsOf("9", between).state().balance()).isEqualTo(10);
        assertThat(accounts.loadAsOf("9", Instant.EPOCH).isNew()).isTrue();
        assertThat(accounts.load("9").state().balance()).isEqualTo(30);
    }

    @Test
    void aggregate_roots_are_loaded_changed_and_saved_the_same_way() {
        var roots = new AggregateRepository<>(store, Root::new, SERIALIZER, Event.class, "account");
        roots.create("10", a -> a.openFor("ivy"));
        roots.handle("10", a -> a.deposit(40));
        Root after = roots.update("10", a -> a.withdraw(15));
        assertThat(after.balance).isEqualTo(25);
        assertThat(after.version()).isEqualTo(2);
        assertThat(after.pendingEvents()).isEmpty();
        assertThatThrownBy(() -> roots.handle("10", a -> a.withdraw(100))).hasMessage("insufficient funds");
        assertThat(roots.load("10").balance).isEqualTo(25);
        assertThat(roots.loadAtVersion("10", 1).balance).isEqualTo(40);
        assertThat(store.readStream(StreamId.of("account-10"))).hasSize(3);
        // both styles read the same stream the same way
        assertThat(accounts.load("10").state().balance()).isEqualTo(25);
    }

    @Test
    void an_event_without_a_handler_is_reported_with_how_to_fix_it() {
        class Bare extends AggregateRoot<Event> {
            void act() {
                apply(new Opened("x"));
            }
        }
        assertThatThrownBy(() -> new Bare().act()).hasMessageContaining("on(Opened.class");
        store.append(StreamId.of("bare-1"), ExpectedVersion.any(), EventData.of("Opened", "{\"owner\":\"x\"}"));
    }

    @Test
    void a_failing_snapshot_store_never_fails_a_command_that_was_committed() {
        var broken = new dev.facta.aggregate.snapshot.SnapshotStore() {
            public void save(dev.facta.aggregate.snapshot.Snapshot s) {
                throw new IllegalStateException("disk full");
            }

            public java.util.Optional<dev.facta.aggregate.snapshot.Snapshot> latest(StreamId stream, long max) {
                return java.util.Optional.empty();
            }

            public void prune(StreamId stream, int keep) {
            }
        };
        var repo = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                .snapshots(broken, CODEC, SnapshotPolicy.everyEvents(1), 1).build();
        assertThat(repo.handle("11", new Open("jo")).version()).isZero();
        assertThat(repo.load("11").state().open()).isTrue();
    }

    record RootMemento(boolean open, long balance) {
    }

    static final StateCodec<RootMemento> MEMENTO = new StateCodec<>() {
        public byte[] encode(RootMemento m) {
            return (m.open() + "|" + m.balance()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        public RootMemento decode(byte[] b) {
            String[] p = new String(b, java.nio.charset.StandardCharsets.UTF_8).split("\\|");
            return new RootMemento(Boolean.parseBoolean(p[0]), Long.parseLong(p[1]));
        }
    };

    @Test
    void aggregate_roots_snapshot_through_a_memento_and_load_from_it() {
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        AtomicInteger restored = new AtomicInteger();
        var roots = new AggregateRepository<>(store, Root::new, SERIALIZER, Event.class, "account")
                .withSnapshots(new AggregateRepository.SnapshotSupport<Root, RootMemento>(snapshots, MEMENTO,
                        SnapshotPolicy.everyEvents(5), 1, 2,
                        r -> new RootMemento(r.open, r.balance),
                        (r, m) -> {
                            restored.incrementAndGet();
                            r.open = m.open();
                            r.balance = m.balance();
                        }));
        roots.create("12", a -> a.openFor("kai"));
        for (int i = 1; i <= 12; i++) {
            long amount = i;
            roots.handle("12", a -> a.deposit(amount));
        }
        assertThat(snapshots.latest(StreamId.of("account-12"))).get().extracting(s -> s.version()).isEqualTo(9L);
        restored.set(0);
        Root loaded = roots.load("12");
        assertThat(restored.get()).isEqualTo(1);
        assertThat(loaded.balance).isEqualTo(78).isEqualTo(roots.loadWithoutSnapshots("12").balance);
        assertThat(loaded.version()).isEqualTo(12);
        assertThat(roots.loadAtVersion("12", 7).balance).isEqualTo(28);
        assertThat(roots.handle("12", a -> a.withdraw(8)).balance).isEqualTo(70);
    }

    @Test
    void a_policy_that_only_counts_events_does_not_read_the_snapshot_store_after_each_append() {
        AtomicInteger reads = new AtomicInteger();
        InMemorySnapshotStore inner = new InMemorySnapshotStore();
        var counting = new dev.facta.aggregate.snapshot.SnapshotStore() {
            public void save(dev.facta.aggregate.snapshot.Snapshot s) {
                inner.save(s);
            }

            public java.util.Optional<dev.facta.aggregate.snapshot.Snapshot> latest(StreamId stream, long max) {
                reads.incrementAndGet();
                return inner.latest(stream, max);
            }

            public void prune(StreamId stream, int keep) {
                inner.prune(stream, keep);
            }
        };
        var repo = DeciderRepository.builder(store, DECIDER, SERIALIZER, Event.class, "account")
                .snapshots(counting, CODEC, SnapshotPolicy.everyEvents(100), 1).build();
        repo.handle("13", new Open("lu"));
        repo.handle("13", new Deposit(1));
        assertThat(reads.get()).isEqualTo(2); // one per load, none after the appends
    }
}
