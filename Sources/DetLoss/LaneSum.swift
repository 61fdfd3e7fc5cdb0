extension FloatLanes {
  /// The sum of the 16 lanes as a tree of halves: the low 8 lanes plus the high 8, the low
  /// 4 of that plus its high 4, then the low 2 plus the high 2, then those two lanes: lane
  /// 0 is `((v0 + v8) + (v4 + v12)) + ((v2 + v10) + (v6 + v14))`.
  ///
  /// Four roundings on any lane's path instead of the 15 of `sum()` (left to right from
  /// -0), so for terms of one sign at most `4 * 2^-24` relative; and four vector steps
  /// instead of 15 dependent additions. The focal label rows end each row with it, in
  /// Swift and in the C kernels (`laneSum` in `Kernels.c`, the same operations): against
  /// `sum()`, the C label pass (one thread, C = 80) took 10.0 instead of 10.5 ns a group
  /// with AVX-512, 12.2 instead of 12.7 with AVX2 and 24.8 instead of 25.4 with SSE2.
  ///
  /// - Complexity: O(1), 4 additions and 4 shuffles.
  @inline(__always)
  var halvingSum: Float {
    let eight = lowHalf + highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return two[0] + two[1]
  }
}
