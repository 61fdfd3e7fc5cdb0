import DetSupport
import Testing

@testable import detkit

/// The progress bar's text, from values worked out by hand (rate = done / elapsed, time left =
/// (total - done) / rate).

@Test func progressLineShowsDoneTotalRateAndTimeLeft() {
  // 50 of 200 images in 10 s: 5 images/s, 150 left -> 30 s.
  let line = ProgressBar.line(
    label: "coverage of d", done: 50, total: 200, unit: .images, elapsed: 10, final: false)
  #expect(line == "coverage of d  [#####...............]  50/200 images  5.0 images/s  ETA 0:30")
}

@Test func progressLineInBytesShowsMegabytes() {
  // 21.5 MB of 43 MB in 2 s: 10.75 MB/s (printed 10.8), 21.5 MB left -> 2 s.
  let line = ProgressBar.line(
    label: "importing x.json", done: 21_500_000, total: 43_000_000, unit: .bytes, elapsed: 2,
    final: false)
  #expect(line == "importing x.json  [##########..........]  21.5/43.0 MB  10.8 MB/s  ETA 0:02")
}

@Test func progressLineWithUnknownTotalShowsElapsedTime() {
  // 1,500 images in 75 s: 20 images/s; no bar, no time left.
  let line = ProgressBar.line(
    label: "walk", done: 1500, total: nil, unit: .images, elapsed: 75, final: false)
  #expect(line == "walk  1500 images  20.0 images/s  1:15 elapsed")
}

@Test func progressLineFinalShowsTotalTime() {
  // 3,600 files in 3,725 s: 0.966... files/s (1.0); final lines show the time taken.
  let line = ProgressBar.line(
    label: "export", done: 3600, total: 3600, unit: .files, elapsed: 3725, final: true)
  #expect(line == "export  [####################]  3600/3600 files  1.0 files/s  in 1:02:05")
}

@Test func progressLineAsPercentForAFractionWithoutTotal() {
  // 250 per mille in 5 s: 25 %, 5 %/s, 75 % left -> 15 s.
  let line = ProgressBar.line(
    label: "importing voc", done: 250, total: 1000, unit: .files, percent: true, elapsed: 5,
    final: false)
  #expect(line == "importing voc  [#####...............]   25.0%  5.0%/s  ETA 0:15")
}

@Test func progressLineBeforeAnyRateShowsPlaceholders() {
  let line = ProgressBar.line(
    label: "t", done: 0, total: 10, unit: .images, elapsed: 0, final: false)
  #expect(line == "t  [....................]  0/10 images  --/s  ETA --:--")
}

@Test func progressLineRoundsLargeRatesToWholeUnits() {
  // 12,345 images in 10 s: 1234.5 -> 1235 images/s (an integer from 100 on).
  let line = ProgressBar.line(
    label: "t", done: 12_345, total: 24_690, unit: .images, elapsed: 10, final: false)
  #expect(line == "t  [##########..........]  12345/24690 images  1235 images/s  ETA 0:10")
}

@Test func progressLineShortensLongLabelsFromTheLeft() {
  let label = "importing /a/very/long/path/to/some/instances_train2017.json"
  let line = ProgressBar.line(
    label: label, done: 1, total: 1, unit: .bytes, elapsed: 1, final: true)
  #expect(line.hasPrefix("…" + label.suffix(31) + "  ["))
}

@Test(arguments: [
  (0.0, "0:00"), (59.4, "0:59"), (59.6, "1:00"), (600, "10:00"), (3600, "1:00:00"),
  (Double.infinity, "--:--"), (Double.nan, "--:--"),
])
func progressClock(seconds: Double, text: String) {
  #expect(ProgressBar.clock(seconds) == text)
}

@Test func workProgressClampsAndReportsItsFraction() {
  #expect(WorkProgress(done: 12, total: 10, unit: .images).done == 10)
  #expect(WorkProgress(done: -3, total: nil, unit: .images).done == 0)
  #expect(WorkProgress(done: 5, total: 20, unit: .images).fraction == 0.25)
  #expect(WorkProgress(done: 0, total: 0, unit: .images).fraction == 1)
  #expect(WorkProgress(done: 7, total: nil, unit: .records).fraction == nil)
}
