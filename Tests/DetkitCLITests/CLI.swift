import DetTestSupport
import Foundation

/// Locates and runs the `detkit` executable that `swift build` placed next to the test
/// bundle.
enum CLI {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The products directory: the test bundle lives in `.build/<config>/`, as does `detkit`.
  static var executable: URL {
    var dir = Bundle.main.bundleURL
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      dir = bundle.bundleURL.deletingLastPathComponent()
    }
    let candidate = dir.appendingPathComponent("detkit")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("detkit")
  }

  /// Runs `detkit arguments`, feeding `stdin`, and collects its exit status and output;
  /// `environment` adds to (or replaces entries of) this process's environment.
  ///
  /// The child reads and writes temporary files, not pipes: with pipes, concurrent tests
  /// spawning through Foundation's `Process` occasionally left a pipe's write end open in
  /// this process, and the reader waited for an end of file that never came.
  /// `program` runs another executable of the build (a fuzz harness) the same way.
  static func run(
    _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
    program: URL = executable
  ) throws -> Result {
    let files = try ChildFiles(stdin: stdin ?? Data())
    defer { files.remove() }
    let pid = try spawn(arguments, files: files, environment: environment, program: program)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
    }
    return files.result(status: status)
  }

  /// Runs `detkit arguments` and sends it `signal` as soon as `condition` holds (polled every
  /// millisecond); returns its result and whether the signal was sent before it exited.
  static func run(
    _ arguments: [String], sending signal: Int32, when condition: () -> Bool
  ) throws -> (result: Result, signalled: Bool) {
    let files = try ChildFiles(stdin: Data())
    defer { files.remove() }
    let pid = try spawn(arguments, files: files)
    var status: Int32 = 0
    var signalled = false
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid { break }
      guard reaped == 0 || errno == EINTR else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD)
      }
      if !signalled, condition() {
        kill(pid, signal)
        signalled = true
      }
      usleep(1_000)
    }
    return (files.result(status: status), signalled)
  }

  /// The temporary files a child reads its standard input from and writes its output to.
  private struct ChildFiles {
    let input: String
    let output: String
    let error: String

    init(stdin: Data) throws {
      let base = TestTemporaryRoot.url.appendingPathComponent(
        "detkit-cli-\(UUID().uuidString)"
      ).path
      (input, output, error) = (base + ".in", base + ".out", base + ".err")
      guard FileManager.default.createFile(atPath: input, contents: stdin) else {
        throw POSIXError(.EIO)
      }
    }

    /// The exit status as a shell reports it (128 + signal when killed) and the output.
    func result(status: Int32) -> Result {
      // Exited: low 7 bits 0, code in bits 8-15; killed: the signal in the low 7 bits.
      let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
      let read = {
        String(decoding: FileManager.default.contents(atPath: $0) ?? Data(), as: UTF8.self)
      }
      return Result(status: code, stdout: read(output), stderr: read(error))
    }

    func remove() {
      for path in [input, output, error] { unlink(path) }
    }
  }

  /// Starts `program arguments` with its standard streams on `files`.
  private static func spawn(
    _ arguments: [String], files: ChildFiles, environment: [String: String] = [:],
    program: URL = executable
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let created = O_WRONLY | O_CREAT | O_TRUNC
    posix_spawn_file_actions_addopen(&actions, 0, files.input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, files.output, created, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, files.error, created, 0o644)
    let argv = ([program.path] + arguments).map { strdup($0) } + [nil]
    defer { for arg in argv { free(arg) } }
    // Children write their own temporary files (demo's folder, bench inputs) under the test
    // process's folder too, so they go when it does.
    let variables = ProcessInfo.processInfo.environment
      .merging(["TMPDIR": TestTemporaryRoot.url.path]) { $1 }
      .merging(environment) { $1 }
    let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for variable in envp { free(variable) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, program.path, &actions, nil, argv, envp)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
    return pid
  }

  /// Runs `detkit arguments` with its output in files and returns its exit status, its
  /// output and its peak resident memory.
  ///
  /// On Linux the peak is the child's own `VmHWM`, polled every 2 ms until it exits: its
  /// `ru_maxrss` is no use there, because `posix_spawn` starts the child in this process's
  /// address space and the kernel carries that address space's high-water mark (the whole
  /// test runner's, hundreds of MB in a full run) into the child's at `exec`. Elsewhere it
  /// is `ru_maxrss` from `wait4` on the child.
  static func runMeasuringMemory(_ arguments: [String]) throws -> (
    result: Result, peakBytes: Int
  ) {
    let files = try ChildFiles(stdin: Data())
    defer { files.remove() }
    let pid = try spawn(arguments, files: files)
    var status: Int32 = 0
    var usage = rusage()
    #if os(Linux)
      var highWater = 0
      while true {
        if let kilobytes = residentHighWater(of: pid) {
          highWater = max(highWater, kilobytes * 1024)
        }
        let reaped = wait4(pid, &status, WNOHANG, &usage)
        if reaped == pid { break }
        guard reaped == 0 || errno == EINTR else {
          throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD)
        }
        usleep(2_000)
      }
    #else
      while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
      }
    #endif
    let result = files.result(status: status)
    #if os(Linux)
      return (result, highWater)
    #else
      return (result, usage.ru_maxrss)
    #endif
  }

  #if os(Linux)
    /// `VmHWM` of a running process in kB, from `/proc/PID/status`; nil once it has exited
    /// (before the exec, it is still this process's, so the first reads wait for the exec).
    private static func residentHighWater(of pid: pid_t) -> Int? {
      guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        status.contains("Name:\tdetkit"),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
      else { return nil }
      return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap {
        Int($0)
      }
    }
  #endif
}
