/** Anything kafkajs hands out that must be connected before use: producers and admins. */
export interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Connects a kafkajs client on first use and shares it. A failed connect is forgotten, so the next
 * call tries again instead of replaying a cached rejection forever; `reset` drops a client whose
 * state can no longer be trusted (the producer after a failed publish).
 */
export class LazyClient<T extends Connectable> {
  private current: Promise<T> | undefined;

  constructor(private readonly create: () => T) {}

  get(): Promise<T> {
    if (!this.current) {
      const attempt: Promise<T> = this.open().catch((error: unknown) => {
        // Only forget our own attempt: a reset() may already have started a newer one.
        if (this.current === attempt) this.current = undefined;
        throw error;
      });
      this.current = attempt;
    }
    return this.current;
  }

  async reset(): Promise<void> {
    const previous = this.current;
    this.current = undefined;
    const client = await previous?.catch(() => undefined);
    await client?.disconnect().catch(() => undefined);
  }

  private async open(): Promise<T> {
    const client = this.create();
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
