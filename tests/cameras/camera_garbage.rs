//! Garbage frames — random bytes labelled as any format, wrong sizes, zero lengths, absurd
//! dimensions — go through the whole analysis without a panic.

use std::sync::Arc;
use std::time::Duration;

use facebench::camera::analysis::mjpeg::check_mjpeg;
use facebench::camera::analysis::{AnalysisConfig, FrameAnalyzer};
use facebench::camera::{Frame, FrameFlags, FrameRate, PixelFormat, StreamConfig, StreamKind};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const FORMATS: [PixelFormat; 8] = [
    PixelFormat::Yuyv,
    PixelFormat::Mjpeg,
    PixelFormat::Grey,
    PixelFormat::Y16,
    PixelFormat::Z16,
    PixelFormat::Nv12,
    PixelFormat::Rgb24,
    PixelFormat::Other(*b"\0\xff?x"),
];

#[test]
fn random_frames_never_panic_the_analyzer() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let dims = [0u32, 1, 2, 3, 63, 640, 1920, 65_535, u32::MAX];
    for (i, format) in FORMATS.into_iter().enumerate() {
        let stream = StreamConfig {
            format,
            width: dims[i % dims.len()],
            height: dims[(i + 3) % dims.len()],
            rate: FrameRate {
                frames: (i as u32) % 3 * 15,
                per_seconds: 1,
            },
            stream: StreamKind::Depth,
        };
        let mut config = AnalysisConfig::for_stream(stream);
        config.mjpeg_decode_every = 1;
        config.mjpeg_deep = i % 2 == 0;
        let mut analyzer = FrameAnalyzer::new(config);
        for n in 0..400u64 {
            let len = (rng.next() % 3000) as usize;
            let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if n % 5 == 0 && data.len() > 4 {
                data[0] = 0xFF;
                data[1] = 0xD8;
                let last = data.len() - 2;
                data[last] = 0xFF;
                data[last + 1] = 0xD9;
            }
            let frame = Frame {
                seq: (n % 7 != 0).then(|| rng.next() as u32),
                ts_device: (n % 11 != 0).then(|| Duration::from_nanos(rng.next() >> 8)),
                ts_host: Duration::from_millis(n * 33),
                bytes_used: match n % 4 {
                    0 => 0,
                    1 => u32::MAX,
                    _ => len as u32,
                },
                flags: FrameFlags::from_v4l2(rng.next() as u32),
                format,
                width: dims[(rng.next() % dims.len() as u64) as usize],
                height: dims[(rng.next() % dims.len() as u64) as usize],
                stream: StreamKind::Rgb,
                data: Arc::from(data),
            };
            analyzer.on_frame(&frame, Some(Duration::from_millis(n)));
            if n % 13 == 0 {
                analyzer.on_timeout(frame.ts_host);
            }
            if n % 17 == 0 {
                analyzer.on_stream_start();
            }
        }
        let summary = analyzer.finish(Duration::from_secs(3600));
        assert_eq!(summary.counts.frames, 400);
        assert!(summary.counts.empty_frames >= 100);
    }
}

#[test]
fn real_jpeg_mangled_in_every_way_never_panics() {
    let luma: Vec<u8> = (0..64 * 48).map(|i| (i % 251) as u8).collect();
    let jpeg = facebench::camera::synthetic::pattern::encode_jpeg(&luma, 64, 48).unwrap();
    let stream = StreamConfig {
        format: PixelFormat::Mjpeg,
        width: 64,
        height: 48,
        rate: FrameRate::fps(30),
        stream: StreamKind::Rgb,
    };
    let mut config = AnalysisConfig::for_stream(stream);
    config.mjpeg_decode_every = 1;
    config.mjpeg_deep = true;
    let mut analyzer = FrameAnalyzer::new(config);
    let mut rng = Rng(99);
    for cut in 0..jpeg.len() {
        assert!(check_mjpeg(&jpeg[..cut], true).is_err() || cut == jpeg.len());
    }
    for n in 0..600u32 {
        let mut data = jpeg.clone();
        for _ in 0..(n % 6) {
            let at = (rng.next() as usize) % data.len();
            data[at] = rng.next() as u8;
        }
        data.truncate(data.len() - (n as usize % 40));
        let frame = Frame {
            seq: Some(n),
            ts_device: Some(Duration::from_millis(u64::from(n) * 33)),
            ts_host: Duration::from_millis(u64::from(n) * 33),
            bytes_used: data.len() as u32,
            flags: FrameFlags::default(),
            format: PixelFormat::Mjpeg,
            width: 64,
            height: 48,
            stream: StreamKind::Rgb,
            data: Arc::from(data),
        };
        analyzer.on_frame(&frame, None);
    }
    let s = analyzer.summary();
    assert_eq!(s.counts.frames, 600);
    assert!(s.mjpeg.total() > 0);
}
