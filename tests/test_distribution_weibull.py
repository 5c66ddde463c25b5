"""The Weibull time distribution: analytic moments, sampling, validation messages."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from crisissim.scenario import validate_text
from crisissim.scenario.distributions import Distribution, Weibull

DIST = TypeAdapter(Distribution)


@pytest.mark.parametrize("shape,scale", [(0.7, 4.0), (1.0, 2.5), (2.3, 10.0), (0.05, 1.0)])
def test_moments_match_scipy(shape, scale):
    d = DIST.validate_python({"dist": "weibull", "shape": shape, "scale": scale})
    assert isinstance(d, Weibull)
    ref = stats.weibull_min(shape, scale=scale)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert d.variance == pytest.approx(ref.var(), rel=1e-9)


def test_samples_follow_the_distribution():
    d = DIST.validate_python({"dist": "weibull", "shape": 0.7, "scale": "4m"})
    x = d.sample(np.random.default_rng(7), 20_000)
    # a fixed seed: deterministic, and the KS p-value is far from any threshold
    assert stats.kstest(x, stats.weibull_min(0.7, scale=4.0).cdf).pvalue > 0.01
    assert d.sample(np.random.default_rng(7), 5).tolist() == x[:5].tolist()


def test_shape_one_is_the_exponential():
    d = DIST.validate_python({"dist": "weibull", "shape": 1, "scale": 3})
    assert d.mean == pytest.approx(3.0) and d.variance == pytest.approx(9.0)


@pytest.mark.parametrize(
    "body,message",
    [
        ("{dist: weibull, shape: 0, scale: 4m}", "w.yaml:3:56: channels.phone.patience.shape: out of range (expected a value >= 0.05, got 0)"),
        ("{dist: weibull, shape: 0.7, scale: 0}", "w.yaml:3:33: channels.phone.patience: scale must be > 0"),
        ("{dist: weibull, scale: 4m}", "w.yaml:3:23: channels.phone.patience: missing required field 'shape'"),
    ],
)
def test_bad_weibull_is_a_located_one_line_error(body, message):
    text = f"""meta: {{id: w, title: w, duration: 1h}}
channels:
  phone: {{kind: sync, patience: {body}}}
contact_types:
  x: {{channel: phone, arrival: {{rate: 1}}, handle_time: {{dist: fixed, value: 1}}}}
pools:
  p: {{size: 1, skills: [x]}}
"""
    sc, errors, _ = validate_text(text, "w.yaml")
    assert sc is None
    assert len(errors) == 1
    assert str(errors[0]) == message


def test_direct_model_rejects_bad_scale():
    with pytest.raises(ValidationError):
        Weibull(dist="weibull", shape=1.0, scale=-1.0)
