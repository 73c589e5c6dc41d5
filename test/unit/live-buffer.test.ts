import { LiveBuffer, MAX_BUFFERED_ALERTS, RESYNC } from '../../src/feed/alert-stream';

describe('LiveBuffer', () => {
  it('delivers items in order and a resync marker once', async () => {
    let emit: (item: number) => void = () => undefined;
    const buffer = new LiveBuffer<number>((listener) => {
      emit = listener;
      return () => undefined;
    });
    emit(1);
    buffer.requestResync();
    buffer.requestResync();
    emit(2);

    expect(await buffer.take(0)).toBe(1);
    expect(await buffer.take(1)).toBe(RESYNC);
    expect(await buffer.take(1)).toBe(2);
  });

  it('stops listening and names the resume cursor past its bound', async () => {
    let emit: (item: number) => void = () => undefined;
    let listening = true;
    const buffer = new LiveBuffer<number>((listener) => {
      emit = listener;
      return () => {
        listening = false;
      };
    });
    for (let n = 0; n <= MAX_BUFFERED_ALERTS; n += 1) emit(n);

    expect(listening).toBe(false);
    await expect(buffer.take(42)).rejects.toMatchObject({
      message: expect.stringContaining('after: "YWxlcnQ6NDI"'),
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('returns null after close', async () => {
    const buffer = new LiveBuffer<number>(() => () => undefined);
    const pending = buffer.take(0);
    buffer.close();

    expect(await pending).toBeNull();
  });
});
