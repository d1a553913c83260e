package runner

import (
	"github.com/meshbench/meshbench/bench/results"
)

// summarizeKinds aggregates the fields the kinds and the honesty checks
// added: medians over the repeats, except memory (the highest), noise from
// other processes (the highest) and generator saturation (any repeat).
func summarizeKinds(res *results.Result, reps []results.Repeat) {
	res.MaxRPS = medianOf(reps, func(r *results.Repeat) *float64 { return r.MaxRPS })
	res.BitsPerS = medianOf(reps, func(r *results.Repeat) *float64 { return r.BitsPerS })
	res.ConnectionsPerS = medianOf(reps, func(r *results.Repeat) *float64 { return r.ConnectionsPerS })
	res.KneeRPS = medianOf(reps, func(r *results.Repeat) *float64 { return r.KneeRPS })
	cpu := func(get func(c *results.CPU) float64) float64 {
		return median(collect(reps, func(r *results.Repeat) (float64, bool) { return get(&r.CPU), true }))
	}
	res.CPU.StealCores = cpu(func(c *results.CPU) float64 { return c.StealCores })
	res.CPU.GeneratorCores = cpu(func(c *results.CPU) float64 { return c.GeneratorCores })
	res.CPU.WithoutGeneratorCores = cpu(func(c *results.CPU) float64 { return c.WithoutGeneratorCores })
	res.CPU.WithoutGeneratorPerKRPS = cpu(func(c *results.CPU) float64 { return c.WithoutGeneratorPerKRPS })
	res.CPU.BPFCores = cpu(func(c *results.CPU) float64 { return c.BPFCores })
	res.CPU.CoresPerGbps = cpu(func(c *results.CPU) float64 { return c.CoresPerGbps })
	for i := range reps {
		r := &reps[i]
		for k, v := range r.MemoryPerPodBytes {
			if res.MemoryPerPodBytes == nil {
				res.MemoryPerPodBytes = map[string]int64{}
			}
			res.MemoryPerPodBytes[k] = max(res.MemoryPerPodBytes[k], v)
		}
	}
	res.Knee = summarizeKnee(reps)
	res.BPF = summarizeBPF(reps)
	res.Generator = summarizeGenerator(reps)
	res.Noise = summarizeNoise(reps)
}

func summarizeKnee(reps []results.Repeat) *results.Knee {
	var first *results.Knee
	for i := range reps {
		if reps[i].Knee != nil {
			first = reps[i].Knee
			break
		}
	}
	if first == nil {
		return nil
	}
	get := func(f func(k *results.Knee) float64) float64 {
		return median(collect(reps, func(r *results.Repeat) (float64, bool) {
			if r.Knee == nil {
				return 0, false
			}
			return f(r.Knee), true
		}))
	}
	return &results.Knee{
		RateRPS:     get(func(k *results.Knee) float64 { return k.RateRPS }),
		BoundRPS:    get(func(k *results.Knee) float64 { return k.BoundRPS }),
		CeilingRPS:  get(func(k *results.Knee) float64 { return k.CeilingRPS }),
		P99TargetUS: first.P99TargetUS,
	}
}

func summarizeBPF(reps []results.Repeat) *results.BPF {
	var out *results.BPF
	var runNS, runs, cores, perRun []float64
	for i := range reps {
		b := reps[i].BPF
		if b == nil {
			continue
		}
		if out == nil {
			out = &results.BPF{Stats: b.Stats}
		}
		runNS, runs = append(runNS, float64(b.RunTimeNS)), append(runs, float64(b.RunCount))
		cores, perRun = append(cores, b.Cores), append(perRun, b.NSPerRun)
		out.MapMemlockBytes = max(out.MapMemlockBytes, b.MapMemlockBytes)
		out.ProgMemlockBytes = max(out.ProgMemlockBytes, b.ProgMemlockBytes)
	}
	if out != nil {
		out.RunTimeNS, out.RunCount = int64(median(runNS)), int64(median(runs))
		out.Cores, out.NSPerRun = median(cores), median(perRun)
	}
	return out
}

func summarizeGenerator(reps []results.Repeat) *results.Generator {
	var out *results.Generator
	var cores []float64
	for i := range reps {
		if g := reps[i].Generator; g != nil {
			if out == nil {
				out = &results.Generator{}
			}
			cores = append(cores, g.Cores)
			out.Saturated = out.Saturated || g.Saturated
		}
	}
	if out != nil {
		out.Cores = median(cores)
	}
	return out
}

func summarizeNoise(reps []results.Repeat) *results.Noise {
	var out *results.Noise
	var steal, load []float64
	runnable := 0
	for i := range reps {
		n := reps[i].Noise
		if n == nil {
			continue
		}
		if out == nil || n.OtherCores > out.OtherCores {
			out = &results.Noise{OtherCores: n.OtherCores, OtherTop: n.OtherTop}
		}
		steal, load = append(steal, n.StealCores), append(load, n.Load1)
		runnable = max(runnable, n.Runnable)
	}
	if out != nil {
		out.StealCores, out.Load1, out.Runnable = median(steal), median(load), runnable
	}
	return out
}

// medianOf is the median of an optional per-repeat value, nil when no
// repeat has it.
func medianOf(reps []results.Repeat, get func(r *results.Repeat) *float64) *float64 {
	xs := collect(reps, func(r *results.Repeat) (float64, bool) {
		if v := get(r); v != nil {
			return *v, true
		}
		return 0, false
	})
	if len(xs) == 0 {
		return nil
	}
	return ptr(median(xs))
}

func collect(reps []results.Repeat, get func(r *results.Repeat) (float64, bool)) []float64 {
	var xs []float64
	for i := range reps {
		if v, ok := get(&reps[i]); ok {
			xs = append(xs, v)
		}
	}
	return xs
}
