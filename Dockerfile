# voxsite: one image for the web (Daphne), the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# espeak-ng speaks Hindi, Bengali and Marathi, Festival's NSK voices Hindi and Marathi better (the
# list dev.sh installs); the other speech engines ship as wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng festival festival-hi festival-mr festvox-hi-nsk festvox-mr-nsk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Requirements first, so code changes do not reinstall them. requirements-nodeps.txt: pipecat-ai
# for the Smart Turn model file it ships, without its dependencies.
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install -r requirements.txt \
    && pip install --no-deps -r requirements-nodeps.txt

COPY . .

# DEBUG=true only for this step: collectstatic needs no SECRET_KEY or ALLOWED_HOSTS.
RUN DEBUG=true ENV_FILE=/dev/null python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 voxsite \
    && mkdir -p /app/var/media /app/var/models \
    && chown -R voxsite:voxsite /app/var

USER voxsite
EXPOSE 8000

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--ping-interval", "10", "--ping-timeout", "30", "voxsite.asgi:application"]
