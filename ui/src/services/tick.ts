/**
 * A short tick when a field was taken by itself: a WebAudio oscillator, no sound file. Browsers let
 * a page start sound only after a touch, so `unlock` is called from one; until then, and wherever
 * sound fails, the tick is silent.
 */
let audio: AudioContext | null = null;

/** Call from a touch or click handler. */
export function unlockTick(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  } catch {
    audio = null;
  }
}

export function tick(): void {
  const ctx = audio;
  if (!ctx || ctx.state !== 'running') return;
  try {
    const t = ctx.currentTime;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'triangle';
    osc.frequency.setValueAtTime(1800, t);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.35, t + 0.004);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.07);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.08);
  } catch {
    // No sound on this kiosk: the count on screen says it too.
  }
}
