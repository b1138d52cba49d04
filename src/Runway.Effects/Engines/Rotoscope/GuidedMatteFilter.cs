using OpenCvSharp;

namespace Runway.Effects.Engines.Rotoscope;

/// <summary>
/// Edge-aware refinement of a matte with a grey guided filter (He, Sun and Tang): inside each window the output is
/// a linear function of the guide, q = a·I + b, fitted to the input matte with regulariser ε. Written with OpenCV box
/// filters on float planes.
/// </summary>
/// <remarks>
/// The coefficients are fitted at the working (reduced) size and smoothed there; the caller upsamples the smoothed
/// a and b and applies them to the full-resolution guide ("fast guided filter"), so the matte's edges follow the
/// picture's edges at full resolution although the segmentation ran smaller. OpenCvSharp's ximgproc
/// <c>GuidedFilter</c> is exported too, but it filters at one resolution only and gives no access to a and b.
/// </remarks>
internal static class GuidedMatteFilter
{
    /// <summary>
    /// Fits the smoothed coefficients (CV_32FC1, same size as the inputs) of the guided filter of
    /// <paramref name="matte"/> guided by <paramref name="guide"/> (both CV_32FC1) with window radius
    /// <paramref name="radius"/> and regulariser <paramref name="epsilon"/>; intermediate planes come from
    /// <paramref name="scratch"/>, so a warm call allocates nothing.
    /// </summary>
    public static void Coefficients(Mat guide, Mat matte, int radius, double epsilon, Mat meanA, Mat meanB, MatteScratch scratch)
    {
        var k = new Size(2 * radius + 1, 2 * radius + 1);
        var (meanI, meanP, corrI, corrIp, ii, ip) = (scratch.MeanI, scratch.MeanP, scratch.CorrI, scratch.CorrIp, scratch.Ii, scratch.Ip);
        Cv2.BoxFilter(guide, meanI, MatType.CV_32F, k, borderType: BorderTypes.Reflect);
        Cv2.BoxFilter(matte, meanP, MatType.CV_32F, k, borderType: BorderTypes.Reflect);
        Cv2.Multiply(guide, guide, ii);
        Cv2.Multiply(guide, matte, ip);
        Cv2.BoxFilter(ii, corrI, MatType.CV_32F, k, borderType: BorderTypes.Reflect);
        Cv2.BoxFilter(ip, corrIp, MatType.CV_32F, k, borderType: BorderTypes.Reflect);

        var (varI, covIp, tmp) = (scratch.VarI, scratch.CovIp, scratch.Tmp);
        Cv2.Multiply(meanI, meanI, tmp);
        Cv2.Subtract(corrI, tmp, varI);
        Cv2.Multiply(meanI, meanP, tmp);
        Cv2.Subtract(corrIp, tmp, covIp);

        var (a, b) = (scratch.RawA, scratch.RawB);
        Cv2.Add(varI, new Scalar(epsilon), tmp);
        Cv2.Divide(covIp, tmp, a);
        Cv2.Multiply(a, meanI, tmp);
        Cv2.Subtract(meanP, tmp, b);
        Cv2.BoxFilter(a, meanA, MatType.CV_32F, k, borderType: BorderTypes.Reflect);
        Cv2.BoxFilter(b, meanB, MatType.CV_32F, k, borderType: BorderTypes.Reflect);
    }
}
