package dev.facta.aggregate;

import dev.facta.InvalidInputException;
import dev.facta.serialization.EventSerializer;
import dev.facta.serialization.SerializedEvent;
import dev.facta.serialization.UnknownEventTypeException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small bank account domain used by the aggregate tests, in both styles. */
final class Account {
    private Account() {
    }

    sealed interface Event permits Opened, Deposited, Withdrawn {
    }

    record Opened(String owner) implements Event {
    }

    record Deposited(long amount) implements Event {
    }

    record Withdrawn(long amount) implements Event {
    }

    sealed interface Command permits Open, Deposit, Withdraw {
    }

    record Open(String owner) implements Command {
    }

    record Deposit(long amount) implements Command {
    }

    record Withdraw(long amount) implements Command {
    }

    record State(boolean open, String owner, long balance, int transactions) {
        static final State INITIAL = new State(false, null, 0, 0);
    }

    static final Decider<Command, Event, State> DECIDER = new Decider<>() {
        @Override
        public State initialState() {
            return State.INITIAL;
        }

        @Override
        public List<Event> decide(Command command, State state) {
            return switch (command) {
                case Open o -> {
                    if (state.open()) throw new DomainRuleViolation("account is already open");
                    yield List.of(new Opened(o.owner()));
                }
                case Deposit d -> {
                    if (!state.open()) throw new DomainRuleViolation("account is not open");
                    if (d.amount() <= 0) throw new DomainRuleViolation("a deposit must be positive");
                    yield List.of(new Deposited(d.amount()));
                }
                case Withdraw w -> {
                    if (!state.open()) throw new DomainRuleViolation("account is not open");
                    if (w.amount() > state.balance()) throw new DomainRuleViolation("insufficient funds");
                    yield List.of(new Withdrawn(w.amount()));
                }
            };
        }

        @Override
        public State evolve(State s, Event event) {
            return switch (event) {
                case Opened o -> new State(true, o.owner(), s.balance(), s.transactions());
                case Deposited d -> new State(s.open(), s.owner(), s.balance() + d.amount(), s.transactions() + 1);
                case Withdrawn w -> new State(s.open(), s.owner(), s.balance() - w.amount(), s.transactions() + 1);
            };
        }
    };

    /** The same account as an aggregate root. */
    static final class Root extends AggregateRoot<Event> {
        boolean open;
        long balance;

        Root() {
            on(Opened.class, e -> open = true);
            on(Deposited.class, e -> balance += e.amount());
            on(Withdrawn.class, e -> balance -= e.amount());
        }

        void openFor(String owner) {
            if (open) throw new DomainRuleViolation("account is already open");
            apply(new Opened(owner));
        }

        void deposit(long amount) {
            if (!open) throw new DomainRuleViolation("account is not open");
            apply(new Deposited(amount));
        }

        void withdraw(long amount) {
            if (amount > balance) throw new DomainRuleViolation("insufficient funds");
            apply(new Withdrawn(amount));
        }
    }

    /** Events as small JSON objects, by hand: the core has no JSON library. */
    static final EventSerializer SERIALIZER = new EventSerializer() {
        private final Pattern field = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"?([^\",}]*)\"?");

        @Override
        public SerializedEvent serialize(Object event) {
            String json = switch (event) {
                case Opened o -> "{\"owner\":\"" + o.owner() + "\"}";
                case Deposited d -> "{\"amount\":" + d.amount() + "}";
                case Withdrawn w -> "{\"amount\":" + w.amount() + "}";
                default -> throw new UnknownEventTypeException(event.getClass().getName(), "not an account event");
            };
            return new SerializedEvent(event.getClass().getSimpleName(), json.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Object deserialize(String type, byte[] data) {
            Matcher m = field.matcher(new String(data, StandardCharsets.UTF_8));
            if (!m.find()) throw new InvalidInputException("data", "no field in " + type);
            String value = m.group(2);
            return switch (type) {
                case "Opened" -> new Opened(value);
                case "Deposited" -> new Deposited(Long.parseLong(value));
                case "Withdrawn" -> new Withdrawn(Long.parseLong(value));
                default -> throw new UnknownEventTypeException(type, "unknown account event " + type);
            };
        }

        @Override
        public <T> T deserialize(String type, byte[] data, Class<T> expected) {
            return expected.cast(deserialize(type, data));
        }
    };

    /** State as text, for snapshots. */
    static final StateCodec<State> CODEC = new StateCodec<>() {
        @Override
        public byte[] encode(State s) {
            return (s.open() + "|" + s.owner() + "|" + s.balance() + "|" + s.transactions()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public State decode(byte[] bytes) {
            String[] p = new String(bytes, StandardCharsets.UTF_8).split("\\|");
            return new State(Boolean.parseBoolean(p[0]), p[1].equals("null") ? null : p[1], Long.parseLong(p[2]), Integer.parseInt(p[3]));
        }
    };
}
