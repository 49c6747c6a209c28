module.exports = () => require('./jest-temp').globalTeardown();
