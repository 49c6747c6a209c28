module.exports = () => require('./jest-temp').globalSetup();
