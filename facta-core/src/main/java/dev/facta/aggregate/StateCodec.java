package dev.facta.aggregate;

/** Turns an aggregate's state into snapshot bytes and back (facta-jackson offers a JSON one). */
public interface StateCodec<S> {
    byte[] encode(S state);

    S decode(byte[] bytes);
}
