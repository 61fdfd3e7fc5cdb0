import DetGeometry
import Foundation

#if FUZZING
  import CFuzzer
#endif

/// The `main` of a fuzz harness in a normal build (no libFuzzer linked).
///
/// A harness is an executable target whose `LLVMFuzzerTestOneInput` feeds one input to a
/// reader. Built with `-sanitize=fuzzer,address -DFUZZING` (tools/fuzz.sh), its entry point
/// calls ``libFuzzer(_:_:_:)``. In a normal build its `@main` calls ``run(_:)``, which
///
/// - replays every file named on the command line (folders: every file inside, sorted), so
///   a crashing input or a whole corpus can be re-run under any build; and
/// - with `-runs=N` (and optionally `-seed=S`), also runs `N` seeded mutations of those files
///   (byte flips, byte sets, truncation, splicing of two inputs, interesting integers written
///   over 1, 2, 4 or 8 bytes): a slow fuzzer for toolchains without libFuzzer (e.g. Xcode's).
///
/// Prints the number of inputs run to standard error; a crash is the harness's own trap.
public enum FuzzDriver {
  #if FUZZING
    /// Hands the process to libFuzzer's driver (options and corpus folders come from argv).
    ///
    /// SwiftPM links an executable's `main` to `<Target>_main`, so a harness defines that
    /// symbol with `@_cdecl` and calls this instead of leaving `main` to libFuzzer.
    public static func libFuzzer(
      _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
      _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32 {
      var argc = argc
      var argv = argv
      return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
    }
  #endif

  public static func run(_ testOneInput: (UnsafePointer<UInt8>?, Int) -> Int32) {
    var runs = 0
    var seed: UInt64 = 1
    var files: [URL] = []
    for argument in CommandLine.arguments.dropFirst() {
      if argument.hasPrefix("-runs="), let n = Int(argument.dropFirst(6)) {
        runs = n
      } else if argument.hasPrefix("-seed="), let s = UInt64(argument.dropFirst(6)) {
        seed = s
      } else if argument.hasPrefix("-") {
        FileHandle.standardError.write(Data("ignoring option \(argument)\n".utf8))
      } else {
        files += inputs(at: URL(fileURLWithPath: argument))
      }
    }
    var corpus: [[UInt8]] = []
    for file in files {
      guard let data = try? Data(contentsOf: file) else {
        FileHandle.standardError.write(Data("cannot read \(file.path)\n".utf8))
        exit(1)
      }
      corpus.append([UInt8](data))
      feed(corpus[corpus.count - 1], testOneInput)
    }
    if corpus.isEmpty { corpus = [[]] }
    var rng = SplitMix64(state: seed)
    for _ in 0..<runs {
      var input = corpus[Int(rng.next() % UInt64(corpus.count))]
      let other = corpus[Int(rng.next() % UInt64(corpus.count))]
      for _ in 0...(rng.next() % 4) { mutate(&input, splicing: other, &rng) }
      feed(input, testOneInput)
    }
    FuzzScratch.removeAll()
    FileHandle.standardError.write(
      Data("FuzzDriver: \(files.count) files replayed, \(runs) mutations run (seed \(seed))\n".utf8)
    )
  }

  private static func feed(_ bytes: [UInt8], _ testOneInput: (UnsafePointer<UInt8>?, Int) -> Int32)
  {
    _ = bytes.withUnsafeBufferPointer { testOneInput($0.baseAddress, $0.count) }
  }

  private static func inputs(at url: URL) -> [URL] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      return [url]
    }
    guard isDirectory.boolValue else { return [url] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.sorted().filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }
  }

  /// Values at the edges of integer ranges, written little-endian.
  private static let interesting: [UInt64] = [
    0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
    0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max,
  ]

  private static func mutate(
    _ input: inout [UInt8], splicing other: [UInt8], _ rng: inout SplitMix64
  ) {
    let choice = rng.next() % 6
    if input.isEmpty {
      input = [UInt8(truncatingIfNeeded: rng.next())]
      return
    }
    let at = Int(rng.next() % UInt64(input.count))
    switch choice {
    case 0: input[at] ^= UInt8(1) << (rng.next() % 8)
    case 1: input[at] = UInt8(truncatingIfNeeded: rng.next())
    case 2: input.removeSubrange(at...)
    case 3: input.insert(contentsOf: repeatElement(input[at], count: Int(rng.next() % 64)), at: at)
    case 4:
      let cut = other.isEmpty ? 0 : Int(rng.next() % UInt64(other.count + 1))
      input = Array(input.prefix(at)) + other.suffix(from: cut)
    default:
      let value = interesting[Int(rng.next() % UInt64(interesting.count))]
      let width = 1 << (rng.next() % 4)
      for k in 0..<width where at + k < input.count {
        input[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
      }
    }
  }
}

/// The seeded generator of the mutations: the project's SplitMix64.
typealias SplitMix64 = SyntheticBoxes.SplitMix64
