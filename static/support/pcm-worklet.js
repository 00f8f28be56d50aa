// AudioWorklet: microphone float samples at the context's rate -> 16 kHz PCM16 frames of 20 ms.
// Downsampling averages the input over each output sample's span (a cheap low-pass), which
// keeps speech intelligible for Whisper without a resampler library.
class PcmCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.targetRate = (options.processorOptions && options.processorOptions.targetRate) || 16000;
    this.ratio = sampleRate / this.targetRate;
    this.frameSamples = Math.round(this.targetRate * 0.02);
    this.out = new Int16Array(this.frameSamples);
    this.outLen = 0;
    this.acc = 0;
    this.accCount = 0;
    this.pos = 0;
    this.levelSum = 0;
    this.levelCount = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || !input[0]) return true;
    const ch = input[0];
    for (let i = 0; i < ch.length; i++) {
      this.acc += ch[i];
      this.accCount++;
      this.pos += 1;
      if (this.pos >= this.ratio) {
        this.pos -= this.ratio;
        const v = Math.max(-1, Math.min(1, this.acc / this.accCount));
        this.acc = 0;
        this.accCount = 0;
        this.levelSum += v * v;
        this.levelCount++;
        this.out[this.outLen++] = v < 0 ? v * 0x8000 : v * 0x7fff;
        if (this.outLen === this.frameSamples) {
          const frame = this.out.slice(0);
          const rms = Math.sqrt(this.levelSum / this.levelCount);
          this.port.postMessage({ pcm: frame.buffer, rms }, [frame.buffer]);
          this.outLen = 0;
          this.levelSum = 0;
          this.levelCount = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("voxsite-pcm-capture", PcmCapture);
